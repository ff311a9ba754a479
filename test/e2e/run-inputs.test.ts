// Nothing silent about a run's inputs: an empty required value, a missing environment that the
// templates read, and -e disagreeing with --set environment= are refused before anything runs.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
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

test('an unknown parameter from --parameter-file names that file and line, with a did-you-mean', async () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'greet.yaml'),
    'name: greet\nparameters:\n  - name: greeting\n    default: hi\nsteps:\n  - name: say\n    command: echo {{ .greeting }}\n',
  );
  writeFileSync(join(dir, 'params.yaml'), '# what to say\ngreting: hello\n');
  const r = await conveyor(['run', 'greet.yaml', '--parameter-file', 'params.yaml', '--state-dir', 's'], {
    cwd: dir,
  });
  assert.equal(r.code, 2, r.stdout);
  assert.match(
    r.stderr,
    /^params\.yaml:2:1: parameters\.greting: unknown parameter 'greting' \(did you mean 'greeting'\?/m,
  );
  assert.doesNotMatch(r.stderr, /greet\.yaml: parameters\.greting/);
  writeFileSync(join(dir, 'params.json'), '{"greting": "hello"}');
  const json = await conveyor(['run', 'greet.yaml', '--parameter-file', 'params.json', '--state-dir', 's'], {
    cwd: dir,
  });
  assert.equal(json.code, 2, json.stdout);
  assert.match(
    json.stderr,
    /^params\.json:1:2: parameters\.greting: unknown parameter 'greting' \(did you mean 'greeting'\?/m,
  );
  const set = await conveyor(['run', 'greet.yaml', '--set', 'greting=hello', '--state-dir', 's'], {
    cwd: dir,
  });
  assert.equal(set.code, 2, set.stdout);
  assert.match(set.stderr, /parameters\.greting: unknown parameter 'greting' \(did you mean 'greeting'\?/);
});
