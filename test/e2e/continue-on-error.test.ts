// `--continue-on-error` is `make -k`: steps that do not depend on a failed step go on; its
// dependents are skipped with the reason DependencyFailed, and the run still fails.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { callOf, readCalls } from './call-log.ts';
import { conveyor, REPO, tempDir } from './cli-harness.ts';

interface Result {
  phase: string;
  steps: Record<string, { phase: string; reason: string | null }>;
}

test('--continue-on-error runs independent steps but skips the dependents of a failed step', async () => {
  const dir = tempDir();
  const log = join(dir, 'calls.log');
  const r = await conveyor(
    [
      'run',
      join(REPO, 'examples/parallel-operations.yaml'),
      '--continue-on-error',
      '-o',
      'json',
      '--state-dir',
      join(dir, 'state'),
    ],
    { cwd: dir, env: { SYSCTL_LOG: log, SYSCTL_DELAY_MS: '20', SYSCTL_FAIL: '--type full' } },
  );
  assert.equal(r.code, 1, r.stderr);
  const json = JSON.parse(r.stdout) as Result;
  const calls = readCalls(log);
  assert.equal(json.phase, 'Failed');
  assert.equal(json.steps.backup_primary?.phase, 'Failed');
  assert.deepEqual(json.steps.backup_replicas, {
    ...json.steps.backup_replicas,
    phase: 'Skipped',
    reason: 'DependencyFailed',
  });
  assert.equal(
    calls.filter((c) => c.step === 'backup_replicas').length,
    0,
    'backup_replicas must not run after backup_primary failed',
  );
  // Work that does not depend on the failure goes on, as with make -k.
  assert.equal(json.steps.analyze_tables?.phase, 'Succeeded');
  assert.equal(json.steps.vacuum_database?.phase, 'Succeeded');
  assert.equal(callOf(calls, 'vacuum_database').code, 0);
  // The group that failed blocks what depends on it, down to its children.
  assert.equal(json.steps.service_updates?.phase, 'Skipped');
  assert.equal(json.steps.service_updates?.reason, 'DependencyFailed');
  assert.equal(json.steps.restart_services?.phase, 'Skipped');
  assert.equal(
    calls.filter((c) => c.step === 'update_api_configs' || c.step === 'restart_services').length,
    0,
  );
});

test('the summary says why a dependent of a failed step was skipped', async () => {
  const dir = tempDir();
  const r = await conveyor(
    [
      'run',
      join(REPO, 'test/fixtures/e2e/retry-delays.yaml'),
      '--continue-on-error',
      '--state-dir',
      join(dir, 's'),
    ],
    {
      cwd: dir,
      env: { SYSCTL_LOG: join(dir, 'calls.log'), SYSCTL_DELAY_MS: '5', SYSCTL_FAIL: 'deploy api' },
    },
  );
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /smoke_test: skipped, its dependency 'deploy' failed/);
});
