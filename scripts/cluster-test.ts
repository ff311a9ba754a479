// `npm run test:cluster`: runs test suites against one test cluster shared by every test file.
// Uses $KUBECONFIG's cluster when set; otherwise starts one, runs the tests, and stops it.
// Usage: node --import tsx scripts/cluster-test.ts [DIR|FILE...] [-- node-test-flags]
// (default: test/cluster). CONVEYOR_KWOK_NODES=N adds simulated nodes for the scale tests.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, startCluster, type TestCluster } from '../test/cluster/harness.ts';

const args = process.argv.slice(2);
const split = args.indexOf('--');
const paths = split === -1 ? args : args.slice(0, split);
const nodeTestFlags = split === -1 ? [] : args.slice(split + 1);
const targets = paths.length > 0 ? paths : ['test/cluster'];
const dirs = targets.filter((p) => statSync(p, { throwIfNoEntry: false })?.isDirectory());
const files = targets.filter((p) => !dirs.includes(p));
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

let current: ReturnType<typeof spawn> | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => current?.kill(signal));
}

/** Runs node with `args` in the repository; resolves with its exit code. */
function run(args: string[]): Promise<number> {
  const child = spawn(process.execPath, args, { stdio: 'inherit', env, cwd: REPO_ROOT });
  current = child;
  return new Promise((resolve) =>
    child.once('exit', (status, signal) => resolve(status ?? (signal ? 1 : 0))),
  );
}

let code = 0;
// Folders go through run-tests.mjs (which finds *.test.ts); single files straight to node --test.
if (dirs.length > 0)
  code ||= await run([join(REPO_ROOT, 'scripts', 'run-tests.mjs'), ...dirs, '--', ...nodeTestFlags]);
if (files.length > 0) code ||= await run(['--import', 'tsx', '--test', ...nodeTestFlags, ...files]);
await cluster?.stop();
process.exit(code);
