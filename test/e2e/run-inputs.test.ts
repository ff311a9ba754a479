// Nothing silent about a run's inputs: an empty required value, a missing environment that the
// templates read, and -e disagreeing with --set environment= are refused before anything runs.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { readCalls } from './call-log.ts';
import { conveyor, REPO, tempDir } from './cli-harness.ts';

async function run(file: string, args: string[]) {
  const dir = tempDir();
  const log = join(dir, 'calls.log');
  const r = await conveyor(['run', join(REPO, file), '--state-dir', join(dir, 's'), ...args], {
    cwd: dir,
    env: { SYSCTL_LOG: log, SYSCTL_DELAY_MS: '5' },
  });
  return { ...r, calls: readCalls(log) };
}

test('an empty value for a required parameter is refused', async () => {
  const r = await run('examples/basic-deployment.yaml', ['--set', 'environment=']);
  assert.equal(r.code, 2, r.stdout);
  assert.match(r.stderr, /parameters\.environment: parameter 'environment' is required and cannot be empty/);
  assert.deepEqual(r.calls, []);
});

test('a workflow that reads .environment without a default is refused without -e, and runs with it', async () => {
  const refused = await run('examples/conditional-deployment.yaml', []);
  assert.equal(refused.code, 2, refused.stdout);
  assert.match(refused.stderr, /uses \.environment.*-e ENV/);
  assert.deepEqual(refused.calls, []);
  const given = await run('examples/conditional-deployment.yaml', ['-e', 'staging']);
  assert.equal(given.code, 0, given.stderr);
  assert.doesNotMatch(given.stderr, /\.environment/, 'no warning when -e is given');
  assert.ok(
    given.calls.every((c) => !c.args.includes('')),
    'no empty --env argument',
  );
});

test('validate warns that a workflow reading .environment needs -e', async () => {
  const r = await conveyor(['validate', 'examples/environment-specific.yaml']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout + r.stderr, /environment-specific\.yaml:7:\d+: warning: .*'\.environment' .*-e ENV/);
  const withDefault = await conveyor(['validate', 'examples/basic-deployment.yaml']);
  assert.doesNotMatch(withDefault.stdout + withDefault.stderr, /-e ENV/);
});

test('-e and --set environment= that disagree are an error', async () => {
  const r = await run('examples/basic-deployment.yaml', ['-e', 'production', '--set', 'environment=staging']);
  assert.equal(r.code, 2, r.stdout);
  assert.match(r.stderr, /-e production.*environment=staging/);
  assert.deepEqual(r.calls, []);
  const agree = await run('examples/basic-deployment.yaml', [
    '-e',
    'staging',
    '--set',
    'environment=staging',
  ]);
  assert.equal(agree.code, 0, agree.stderr);
});
