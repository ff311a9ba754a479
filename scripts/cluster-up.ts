// `npm run cluster:up`: starts the test control plane in the background under .cluster/ and prints
// `export KUBECONFIG=...` on stdout (progress goes to stderr), so `eval "$(npm run -s cluster:up)"` works.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, TestCluster, startCluster } from '../test/cluster/harness.ts';
import { STATE_FILE_NAME } from '../test/cluster/lib/layout.ts';
import { isOurs } from '../test/cluster/lib/processes.ts';

const dir = process.env.CONVEYOR_CLUSTER_DIR ?? join(REPO_ROOT, '.cluster');
const stateFile = join(dir, STATE_FILE_NAME);

function report(cluster: TestCluster): void {
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  const memory = cluster.memory();
  const total = memory.reduce((sum, p) => sum + p.bytes, 0);
  console.error(`memory: ${memory.map((p) => `${p.name} ${mib(p.bytes)}`).join(', ')}; total ${mib(total)}`);
  console.error(`users: admin ${cluster.kubeconfig}; no rights: ${cluster.userKubeconfig} (also bob, carol)`);
  console.error(`logs: ${join(cluster.dir, 'logs')}; stop with: npm run cluster:down`);
  console.log(`export KUBECONFIG=${cluster.kubeconfig}`);
}

if (existsSync(stateFile)) {
  const existing = TestCluster.fromState(stateFile);
  if (existing.state.processes.every((p) => isOurs(p.pid, dir))) {
    console.error(`a test cluster is already running at ${existing.server}`);
    report(existing);
    process.exit(0);
  }
  console.error('removing a stopped test cluster left behind');
  await existing.stop();
}
rmSync(dir, { recursive: true, force: true });

try {
  const cluster = await startCluster({ dir, background: true, log: (line) => console.error(line) });
  report(cluster);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
