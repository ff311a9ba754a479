// A run whose required work was replaced by a fallback because a circuit breaker is open is not a
// clean success: it ends Succeeded but Degraded, says so, and exits 4.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { readCalls } from './call-log.ts';
import { conveyor, REPO, tempDir } from './cli-harness.ts';

const FIXTURE = join(REPO, 'test/fixtures/e2e/breaker-fallback.yaml');

test('a run saved by a fallback behind an open breaker is Degraded, says so and exits 4', async () => {
  const dir = tempDir();
  const log = join(dir, 'calls.log');
  const env = { SYSCTL_LOG: log, SYSCTL_DELAY_MS: '5', SYSCTL_FAIL: 'migrate' };
  const state = ['--state-dir', join(dir, 'state')];
  const first = await conveyor(['run', FIXTURE, '--run-id', 'b1', ...state], { cwd: dir, env });
  assert.equal(first.code, 1, first.stdout + first.stderr);

  const second = await conveyor(['run', FIXTURE, '--run-id', 'b2', ...state], { cwd: dir, env });
  assert.equal(second.code, 4, second.stdout + second.stderr);
  assert.equal(
    readCalls(log).filter((c) => c.args.includes('migrate')).length,
    1,
    'the migration did not run in the second run',
  );
  assert.match(second.stdout, /b2: Succeeded, Degraded/);
  assert.match(second.stdout, /migrate: did not run, replaced by its fallback/);

  const json = await conveyor(['run', FIXTURE, '--run-id', 'b3', '-o', 'json', ...state], { cwd: dir, env });
  assert.equal(json.code, 4, json.stderr);
  const result = JSON.parse(json.stdout) as {
    phase: string;
    degraded: boolean;
    steps: Record<string, { phase: string; reason: string | null }>;
  };
  assert.equal(result.phase, 'Succeeded');
  assert.equal(result.degraded, true);
  assert.equal(result.steps.migrate?.phase, 'FellBack');

  const history = await conveyor(['history', ...state], { cwd: dir });
  assert.match(history.stdout, /b2\s+breaker-fallback\s+Succeeded \(Degraded\)/);
  const historyJson = await conveyor(['history', '-o', 'json', ...state], { cwd: dir });
  const runs = (JSON.parse(historyJson.stdout) as { runs: { run_id: string; degraded: boolean }[] }).runs;
  assert.equal(runs.find((r) => r.run_id === 'b2')?.degraded, true);
  assert.equal(runs.find((r) => r.run_id === 'b1')?.degraded, false);
});

test('a run where nothing fell back is not Degraded and exits 0', async () => {
  const dir = tempDir();
  const r = await conveyor(['run', FIXTURE, '-o', 'json', '--state-dir', join(dir, 's')], {
    cwd: dir,
    env: { SYSCTL_LOG: join(dir, 'calls.log'), SYSCTL_DELAY_MS: '5' },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { degraded: boolean }).degraded, false);
});
