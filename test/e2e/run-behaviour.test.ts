// Failure paths of local runs through the real CLI: retry delays and hooks, saga undo in reverse,
// step timeouts that kill the process, captured outputs feeding conditions, dry runs.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { conveyor, REPO, tempDir } from './cli-harness.ts';
import { callOf, readCalls, stepsCalled } from './call-log.ts';

const fixture = (name: string): string => join(REPO, 'test/fixtures/e2e', name);

async function runJson(file: string, args: string[], env: Record<string, string>) {
  const dir = tempDir();
  const log = join(dir, 'calls.log');
  const result = await conveyor(
    ['run', file, '--output', 'json', '--state-dir', join(dir, 'state'), ...args],
    {
      cwd: dir,
      env: { SYSCTL_LOG: log, SYSCTL_DELAY_MS: '20', ...env },
    },
  );
  const json = JSON.parse(result.stdout) as {
    phase: string;
    steps: Record<string, { phase: string; attempts: number; reason: string | null }>;
    outputs: Record<string, string>;
  };
  return { result, json, calls: readCalls(log) };
}

test('retries wait 300 ms then 600 ms (exponential) and run on_retry hooks between tries', async () => {
  const { result, json, calls } = await runJson(fixture('retry-delays.yaml'), [], {
    SYSCTL_FAIL: 'deploy api:2',
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(json.steps.deploy?.attempts, 3);
  assert.deepEqual(stepsCalled(calls), [
    'deploy',
    'cleanup_failed_deployment',
    'deploy',
    'cleanup_failed_deployment',
    'deploy',
    'smoke_test',
  ]);
  const [t1, t2, t3] = [0, 1, 2].map((n) => callOf(calls, 'deploy', n));
  const hook1 = callOf(calls, 'cleanup_failed_deployment', 0);
  const hook2 = callOf(calls, 'cleanup_failed_deployment', 1);
  assert.ok(t2!.start - (hook1.end ?? 0) >= 290, `first delay ${t2!.start - (hook1.end ?? 0)} ms`);
  assert.ok(t3!.start - (hook2.end ?? 0) >= 590, `second delay ${t3!.start - (hook2.end ?? 0)} ms`);
  assert.ok(hook1.start >= (t1!.end ?? Infinity), 'the hook runs after the failed try');
});

test('a step that fails every try runs its on_failure hook and blocks its dependents', async () => {
  const { result, json, calls } = await runJson(fixture('retry-delays.yaml'), [], {
    SYSCTL_FAIL: 'deploy api',
  });
  assert.equal(result.code, 1);
  assert.equal(json.steps.deploy?.phase, 'Failed');
  assert.equal(json.steps.smoke_test?.phase, 'Skipped');
  assert.equal(stepsCalled(calls).at(-1), 'page_oncall');
});

test('--continue-on-error skips the dependents of a failed step (make -k); the run still fails', async () => {
  const { result, json } = await runJson(fixture('retry-delays.yaml'), ['--continue-on-error'], {
    SYSCTL_FAIL: 'deploy api',
  });
  assert.equal(result.code, 1);
  assert.equal(json.steps.smoke_test?.phase, 'Skipped');
  assert.equal(json.steps.smoke_test?.reason, 'DependencyFailed');
});

test('an atomic group undoes its succeeded children in reverse order when one fails', async () => {
  const { result, json, calls } = await runJson(fixture('saga.yaml'), [], { SYSCTL_FAIL: 'traffic switch' });
  assert.equal(result.code, 1);
  assert.equal(json.steps.switch_traffic?.phase, 'Failed');
  assert.equal(json.steps.announce?.phase, 'Skipped');
  const undo = calls
    .filter((c) => ['rollback', 'migrate'].includes(c.args[0] ?? '') && c.args[1] !== 'up')
    .map((c) => c.args.join(' '));
  assert.deepEqual(undo, ['rollback api', 'migrate down']);
});

test('a step past its timeout is killed, fails as timed out, and later steps do not run', async () => {
  const { result, json, calls } = await runJson(fixture('step-timeout.yaml'), [], {
    SYSCTL_SLOW: 'wait forever=30000',
  });
  assert.equal(result.code, 1);
  assert.equal(json.steps.hangs?.phase, 'Failed');
  assert.equal(json.steps.hangs?.reason, 'TimedOut');
  assert.equal(callOf(calls, 'hangs').code, 143, 'the process got SIGTERM');
  assert.equal(json.steps.never?.phase, 'Skipped');
});

test('a captured output feeds a later condition and a command', async () => {
  const { result, json, calls } = await runJson(fixture('capture-and-condition.yaml'), [], {});
  assert.equal(result.code, 0, result.stderr);
  assert.equal(json.outputs.greeting, 'hello');
  assert.deepEqual(callOf(calls, 'echo_back').args, ['echo', 'hello']);
  const other = await runJson(fixture('capture-and-condition.yaml'), ['--set', 'message=bye'], {});
  assert.equal(other.json.steps.echo_back?.phase, 'Skipped');
});

test('a hostile parameter is passed as one argument and never executed', async () => {
  const dir = tempDir();
  const marker = join(dir, 'owned');
  const { result, json } = await runJson(
    fixture('capture-and-condition.yaml'),
    ['--set', `message=x; touch ${marker} $(touch ${marker})`],
    {},
  );
  assert.equal(result.code, 0, result.stderr);
  assert.equal(json.outputs.greeting, `x; touch ${marker} $(touch ${marker})`);
  const { existsSync } = await import('node:fs');
  assert.equal(existsSync(marker), false);
});

test('--dry-run prints the waves without running anything', async () => {
  const dir = tempDir();
  const log = join(dir, 'calls.log');
  const r = await conveyor(
    ['run', join(REPO, 'examples/basic-deployment.yaml'), '--dry-run', '--set', 'environment=production'],
    {
      cwd: dir,
      env: { SYSCTL_LOG: log },
    },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /wave 1:\n\s+pre_deployment_check: sysctl health --all --env production/);
  assert.match(r.stdout, /deploy_worker: .*\n\s+deploy_scheduler: /);
  assert.deepEqual(readCalls(log), []);
});

test('history lists runs and cleanup removes old finished ones', async () => {
  const dir = tempDir();
  const state = join(dir, 'state');
  await conveyor(['run', join(REPO, 'examples/with-metrics.yaml'), '--state-dir', state], {
    cwd: dir,
    env: { SYSCTL_LOG: join(dir, 'c.log') },
  });
  const history = await conveyor(['history', '--output', 'json', '--state-dir', state], { cwd: dir });
  const runs = (JSON.parse(history.stdout) as { runs: { workflow: string; phase: string }[] }).runs;
  assert.equal(runs.length, 1);
  assert.equal(runs[0]?.phase, 'Succeeded');
  const keep = await conveyor(['cleanup', '--older-than', '1d', '--state-dir', state], { cwd: dir });
  assert.match(keep.stdout, /0 run\(s\) removed/);
  const purge = await conveyor(['cleanup', '--older-than', '0s', '--state-dir', state], { cwd: dir });
  assert.match(purge.stdout, /1 run\(s\) removed/);
});
