// `npm run cluster:down`: stops the cluster started by `cluster:up` and removes its folder.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, TestCluster } from '../test/cluster/harness.ts';
import { STATE_FILE_NAME } from '../test/cluster/lib/layout.ts';

const dir = process.env.CONVEYOR_CLUSTER_DIR ?? join(REPO_ROOT, '.cluster');
const stateFile = join(dir, STATE_FILE_NAME);

if (!existsSync(stateFile)) {
  console.error(`no test cluster at ${dir}`);
  rmSync(dir, { recursive: true, force: true });
} else {
  const cluster = TestCluster.fromState(stateFile);
  await cluster.stop();
  console.error(`stopped the test cluster at ${cluster.server}`);
}
