// `npm run test:cluster`: runs test suites against one test cluster shared by every test file.
// Uses $KUBECONFIG's cluster when set; otherwise starts one, runs the tests, and stops it.
// Usage: node --import tsx scripts/cluster-test.ts [DIR|FILE...] [-- node-test-flags]
// (default: test/cluster). CONVEYOR_KWOK_NODES=N adds simulated nodes for the scale tests.
// Files marked `// @cluster own` start a control plane of their own (they restart or flood it):
// they run in a second lane beside the shared cluster's files, since both lanes mostly wait on
// API servers and kubelets; that lane's output is held back and printed after the first's, so
// neither report is interleaved.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, startCluster, type TestCluster } from '../test/cluster/harness.ts';
import { runLanes } from './lanes.mjs';

const args = process.argv.slice(2);
const split = args.indexOf('--');
const paths = split === -1 ? args : args.slice(0, split);
const nodeTestFlags = split === -1 ? [] : args.slice(split + 1);
const targets = paths.length > 0 ? paths : ['test/cluster'];
const dirs = targets.filter((p) => statSync(p, { throwIfNoEntry: false })?.isDirectory());
const files = [...targets.filter((p) => !dirs.includes(p)), ...dirs.flatMap(testFilesUnder)];
const ownLane = files.filter(startsOwnCluster);
const sharedLane = files.filter((f) => !ownLane.includes(f));
const env = { ...process.env };
let cluster: TestCluster | undefined;

if (!env.KUBECONFIG) {
  try {
    cluster = await startCluster({ log: (line) => console.error(`[cluster] ${line}`) });
    env.KUBECONFIG = cluster.kubeconfig;
  } catch (error) {
    const message = (error as Error).message;
    if (env.CONVEYOR_REQUIRE_CLUSTER === '1') {
      console.error(`${message}\nCONVEYOR_REQUIRE_CLUSTER=1: failing.`);
      process.exit(1);
    }
    // The suites skip with this reason instead of each trying to start a cluster again.
    env.CONVEYOR_CLUSTER_UNAVAILABLE = message;
  }
}

/** Every *.test.ts under `dir`, sorted, as run-tests.mjs finds them. */
function testFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : testFilesUnder(path);
      return entry.name.endsWith('.test.ts') ? [path] : [];
    });
}

function startsOwnCluster(file: string): boolean {
  return /^\/\/ @cluster own$/m.test(readFileSync(file, 'utf8'));
}

const testArgs = (files: string[]) => ['--import', 'tsx', '--test', ...nodeTestFlags, ...files];
const lanes = [sharedLane, ownLane].filter((lane) => lane.length > 0);
const code = await runLanes(
  lanes.map((lane) => ({ command: process.execPath, args: testArgs(lane) })),
  { env, cwd: REPO_ROOT, label: 'cluster-test: files on clusters of their own' },
);
await cluster?.stop();
process.exit(code);
