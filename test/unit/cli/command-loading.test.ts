// Start-up cost: each command loads only what it uses. The real `conveyor` program runs with a
// module trace, and the test looks at which packages from node_modules it loaded: a local command
// must not pay for the Kubernetes client, the logger, the metrics library, the mailer or ajv.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const TRACE = fileURLToPath(new URL('./module-trace.mjs', import.meta.url));
const HEAVY = ['@kubernetes/client-node', 'pino', 'prom-client', 'nodemailer', 'ajv'];
const dir = mkdtempSync(join(tmpdir(), 'conveyor-loading-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The packages (node_modules/NAME) that `conveyor ARGS` loaded. */
function packagesLoaded(args: string[]): string[] {
  const trace = join(dir, `trace-${Math.random().toString(36).slice(2)}`);
  const r = spawnSync(process.execPath, ['--import', TRACE, join(REPO, 'bin', 'conveyor.js'), ...args], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, CONVEYOR_MODULE_TRACE: trace, NO_COLOR: '1' },
  });
  assert.ok(r.status === 0 || r.status === 2, `conveyor ${args.join(' ')}: ${r.status}\n${r.stderr}`);
  const urls = readFileSync(trace, 'utf8').split('\n');
  const names = urls.flatMap((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1] ?? []);
  return [...new Set(names)].sort();
}

function heavyLoaded(args: string[]): string[] {
  return packagesLoaded(args).filter((p) => HEAVY.includes(p));
}

test('a local validate loads none of the heavy packages', () => {
  assert.deepEqual(heavyLoaded(['validate', 'examples/basic-deployment.yaml']), []);
});

test('history and --version load none of the heavy packages', () => {
  assert.deepEqual(heavyLoaded(['history', '--state-dir', join(dir, 'state')]), []);
  assert.deepEqual(heavyLoaded(['--version']), []);
});

test('a local run without notifications loads none of the heavy packages', () => {
  assert.deepEqual(heavyLoaded(['run', 'examples/build-test-package.yaml', '--dry-run']), []);
});

test('a cluster command does load the Kubernetes client (the trace sees packages)', () => {
  const loaded = packagesLoaded(['history', '--cluster', '--kubeconfig', join(dir, 'no-such-kubeconfig')]);
  assert.ok(loaded.includes('@kubernetes/client-node'), loaded.join(', '));
});
