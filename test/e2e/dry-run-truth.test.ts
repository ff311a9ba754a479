// One dry-run truth: the dry run comes from the same engine and inputs as the run, says which steps
// are decided at run time instead of calling them Skipped, and shows approval gates and what would
// run on failure (rollback, undo of atomic groups, failure hooks).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { readCalls } from './call-log.ts';
import { conveyor, REPO, tempDir } from './cli-harness.ts';

async function cli(args: string[]) {
  const dir = tempDir();
  const log = join(dir, 'calls.log');
  const r = await conveyor([...args, '--state-dir', join(dir, 's')], {
    cwd: dir,
    env: { SYSCTL_LOG: log, SYSCTL_DELAY_MS: '5' },
  });
  return { ...r, calls: readCalls(log) };
}

test('a step whose condition reads outputs is shown as decided at run time, not Skipped, and the run agrees', async () => {
  const file = join(REPO, 'examples/conditional-deployment.yaml');
  const dry = await cli(['run', file, '-e', 'staging', '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.deepEqual(dry.calls, []);
  assert.doesNotMatch(dry.stdout, /Skipped:[\s\S]*conditional_deployment/);
  assert.match(
    dry.stdout,
    /Decided at run time[^\n]*:\n\s+conditional_deployment[^\n]*\n\s+deploy_api: sysctl deploy api --env staging/,
  );
  const json = await cli(['run', file, '-e', 'staging', '--dry-run', '-o', 'json']);
  const plan = JSON.parse(json.stdout) as { skipped: { name: string }[]; decided_at_run_time: string[] };
  assert.deepEqual(plan.skipped, []);
  assert.deepEqual(plan.decided_at_run_time, ['conditional_deployment', 'deploy_api']);
  // The real run with the same inputs does deploy it (api health 70 < 80).
  const real = await cli(['run', file, '-e', 'staging', '-o', 'json']);
  assert.equal(real.code, 0, real.stderr);
  assert.equal(
    (JSON.parse(real.stdout) as { steps: Record<string, { phase: string }> }).steps.deploy_api?.phase,
    'Succeeded',
  );
});

test('the dry run shows approval gates and the rollback that a failure would run', async () => {
  const r = await cli([
    'run',
    join(REPO, 'examples/advanced-deployment.yaml'),
    '--set',
    'environment=production,services={api}',
    '--dry-run',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /switch_traffic \[waits for approval\]: sysctl traffic blue-green promote --env production/,
  );
  assert.match(
    r.stdout,
    /If the run fails:[\s\S]*rollback[^\n]*\n\s+traffic_rollback: sysctl traffic blue-green rollback --env production\n\s+service_rollback: sysctl rollback --all --env production/,
  );
});

test('the dry run shows the undo commands of an atomic group, newest first', async () => {
  const r = await cli(['run', join(REPO, 'test/fixtures/e2e/saga.yaml'), '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /If release fails[^\n]*:\n\s+switch_traffic: sysctl traffic restore\n\s+deploy_api: sysctl rollback api\n\s+migrate_schema: sysctl migrate down/,
  );
});
