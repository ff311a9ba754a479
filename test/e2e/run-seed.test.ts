// The seed workflows run end to end on this machine through the real CLI; the sysctl stand-in's call
// log and the JSON result show order, overlap, limits, conditions, approvals, rollback and breakers.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { conveyor, REPO, tempDir } from './cli-harness.ts';
import type { CliResult } from './cli-harness.ts';
import { callOf, maxConcurrency, overlapped, readCalls, stepsCalled } from './call-log.ts';

interface RunOutcome {
  readonly result: CliResult;
  readonly json: {
    run_id: string;
    phase: string;
    steps: Record<
      string,
      { phase: string; attempts: number; reason: string | null; exit_code: number | null }
    >;
    outputs: Record<string, string>;
  };
  readonly calls: ReturnType<typeof readCalls>;
  readonly dir: string;
}

async function run(
  file: string,
  args: string[] = [],
  env: Record<string, string> = {},
  dir = tempDir(),
): Promise<RunOutcome> {
  const log = join(dir, 'calls.log');
  const result = await conveyor(
    ['run', join(REPO, file), '--output', 'json', '--state-dir', join(dir, 'state'), ...args],
    {
      cwd: dir,
      env: { SYSCTL_LOG: log, SYSCTL_DELAY_MS: '150', ...env },
    },
  );
  let json: RunOutcome['json'];
  try {
    json = JSON.parse(result.stdout) as RunOutcome['json'];
  } catch {
    throw new Error(`no JSON result (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
  return { result, json, calls: readCalls(log), dir };
}

describe('basic-deployment', () => {
  test('runs in order, deploys worker and scheduler at once, then notifies', async () => {
    // Overlap is observable only if each call outlasts the other's start-up, even on a busy machine.
    const { result, json, calls } = await run(
      'examples/basic-deployment.yaml',
      ['--set', 'environment=staging,image_tag=v2'],
      { SYSCTL_SLOW: 'deploy worker=1500,deploy scheduler=1500' },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(json.phase, 'Succeeded');
    assert.deepEqual(stepsCalled(calls).slice(0, 2), ['pre_deployment_check', 'deploy_api']);
    const worker = callOf(calls, 'deploy_worker');
    const scheduler = callOf(calls, 'deploy_scheduler');
    assert.ok(overlapped(worker, scheduler), 'worker and scheduler deploy in parallel');
    assert.ok(worker.start >= (callOf(calls, 'deploy_api').end ?? Infinity));
    assert.ok(callOf(calls, 'post_deployment_test').start >= Math.max(worker.end ?? 0, scheduler.end ?? 0));
    assert.deepEqual(callOf(calls, 'deploy_api').args, [
      'deploy',
      'api',
      '--env',
      'staging',
      '--image',
      'api:v2',
      '--wait',
    ]);
    assert.equal(stepsCalled(calls).at(-1), 'notify_team');
    assert.ok(!stepsCalled(calls).includes('rollback'));
  });

  test('a failing smoke test runs the on_failure rollback and exits 1; resume starts again from the first step', async () => {
    const dir = tempDir();
    const first = await run('examples/basic-deployment.yaml', [], { SYSCTL_FAIL: 'test smoke:1' }, dir);
    assert.equal(first.result.code, 1);
    assert.equal(first.json.phase, 'Failed');
    assert.equal(first.json.steps.post_deployment_test?.phase, 'Failed');
    assert.equal(first.json.steps.post_deployment_test?.exit_code, 1);
    assert.ok(stepsCalled(first.calls).includes('rollback'));
    assert.ok(!stepsCalled(first.calls).includes('notify_team'));

    const resumed = await conveyor(
      ['resume', first.json.run_id, '--output', 'json', '--state-dir', join(dir, 'state')],
      {
        cwd: dir,
        env: { SYSCTL_LOG: join(dir, 'calls2.log'), SYSCTL_DELAY_MS: '50', SYSCTL_FAIL: '' },
      },
    );
    assert.equal(resumed.code, 0, resumed.stderr);
    const again = readCalls(join(dir, 'calls2.log'));
    // The rollback undid the deploys, so they run again rather than count as done.
    assert.deepEqual(stepsCalled(again), [
      'pre_deployment_check',
      'deploy_api',
      ...stepsCalled(again).slice(2, 4),
      'post_deployment_test',
      'notify_team',
    ]);
    assert.deepEqual(stepsCalled(again).slice(2, 4).sort(), ['deploy_scheduler', 'deploy_worker']);
    assert.equal((JSON.parse(resumed.stdout) as { phase: string }).phase, 'Succeeded');
  });

  test('Ctrl-C cancels the run, stops the running step and exits 130', async () => {
    const dir = tempDir();
    const log = join(dir, 'calls.log');
    const result = await conveyor(
      ['run', join(REPO, 'examples/basic-deployment.yaml'), '--state-dir', join(dir, 'state')],
      {
        cwd: dir,
        env: { SYSCTL_LOG: log, SYSCTL_DELAY_MS: '50', SYSCTL_SLOW: 'deploy api=20000' },
        signalWhen: { signal: 'SIGINT', check: () => readCalls(log).some((c) => c.step === 'deploy_api') },
      },
    );
    assert.equal(result.code, 130, result.stdout + result.stderr);
    const deploy = callOf(readCalls(log), 'deploy_api');
    assert.equal(deploy.code, 143, 'the stand-in got SIGTERM');
    assert.match(result.stdout, /Cancelled/);
    assert.ok(!stepsCalled(readCalls(log)).includes('deploy_worker'));
  });
});

describe('advanced-deployment', () => {
  const production = ['--set', 'environment=production,services={api,worker}'];

  test('in production it stops for approval (exit 3); approve and resume finish it', async () => {
    const dir = tempDir();
    const first = await run('examples/advanced-deployment.yaml', production, {}, dir);
    assert.equal(first.result.code, 3, first.result.stderr);
    assert.equal(first.json.phase, 'AwaitingApproval');
    assert.equal(first.json.steps.switch_traffic?.phase, 'AwaitingApproval');
    assert.ok(!stepsCalled(first.calls).includes('switch_traffic'));
    const state = join(dir, 'state');
    const approve = await conveyor(
      ['approve', first.json.run_id, 'switch_traffic', '--comment', 'go', '--state-dir', state],
      { cwd: dir },
    );
    assert.equal(approve.code, 0, approve.stderr);
    const resumed = await conveyor(['resume', first.json.run_id, '--output', 'json', '--state-dir', state], {
      cwd: dir,
      env: { SYSCTL_LOG: join(dir, 'calls.log'), SYSCTL_DELAY_MS: '50' },
    });
    assert.equal(resumed.code, 0, resumed.stderr);
    const calls = readCalls(join(dir, 'calls.log'));
    assert.ok(
      callOf(calls, 'switch_traffic').start >= (callOf(calls, 'test_green_environment').end ?? Infinity),
    );
    assert.ok(callOf(calls, 'cleanup').start >= (callOf(calls, 'switch_traffic').end ?? Infinity));
  });

  test('a rejected approval fails the run', async () => {
    const dir = tempDir();
    const first = await run('examples/advanced-deployment.yaml', production, {}, dir);
    assert.equal(first.result.code, 3);
    const state = join(dir, 'state');
    await conveyor(['approve', first.json.run_id, 'switch_traffic', '--reject', '--state-dir', state], {
      cwd: dir,
    });
    const resumed = await conveyor(['resume', first.json.run_id, '--output', 'json', '--state-dir', state], {
      cwd: dir,
      env: { SYSCTL_LOG: join(dir, 'calls.log') },
    });
    assert.equal(resumed.code, 1);
    const json = JSON.parse(resumed.stdout) as RunOutcome['json'];
    assert.equal(json.steps.switch_traffic?.phase, 'Failed');
    assert.equal(json.steps.switch_traffic?.reason, 'Rejected');
  });

  test('the blue-green group keeps to parallel_limit 2 and staging skips the production-only steps', async () => {
    const { result, json, calls } = await run(
      'examples/advanced-deployment.yaml',
      ['--set', 'environment=staging,services={api}'],
      { SYSCTL_SLOW: 'blue-green prepare=1500,target green=1500' },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(json.steps.backup_check?.phase, 'Skipped');
    assert.equal(json.steps.switch_traffic?.phase, 'Skipped');
    assert.ok(overlapped(callOf(calls, 'prepare_green_environment'), callOf(calls, 'deploy_to_green')));
    assert.ok(maxConcurrency(calls) <= 2);
  });

  test('a run timeout raises deployment_timeout and the automatic rollback runs', async () => {
    const { result, json, calls } = await run(
      'examples/advanced-deployment.yaml',
      [...production, '--auto-approve', '--timeout', '2s'],
      {
        SYSCTL_SLOW: 'test integration=30000',
      },
    );
    assert.equal(result.code, 1);
    assert.equal(json.phase, 'Failed');
    const names = stepsCalled(calls);
    assert.ok(names.includes('traffic_rollback') && names.includes('service_rollback'), names.join(', '));
    assert.ok(names.indexOf('traffic_rollback') < names.indexOf('service_rollback'));
  });
});

describe('the other seed workflows', () => {
  test('parallel-operations: with --parallel 1 the ready steps start by priority', async () => {
    const { result, calls } = await run('examples/parallel-operations.yaml', ['--parallel', '1'], {
      SYSCTL_DELAY_MS: '10',
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(stepsCalled(calls).slice(0, 4), [
      'backup_primary',
      'backup_replicas',
      'analyze_tables',
      'vacuum_database',
    ]);
    assert.equal(maxConcurrency(calls), 1);
  });

  test('parallel-operations: at most 3 database tasks at once, services after', async () => {
    const { result, calls } = await run('examples/parallel-operations.yaml', [], {
      SYSCTL_SLOW: 'config update=1500',
    });
    assert.equal(result.code, 0, result.stderr);
    const db = ['backup_primary', 'backup_replicas', 'analyze_tables', 'vacuum_database'].map((s) =>
      callOf(calls, s),
    );
    assert.ok(maxConcurrency(db) <= 3);
    const lastDb = Math.max(...db.map((c) => c.end ?? 0));
    assert.ok(callOf(calls, 'update_api_configs').start >= lastDb);
    assert.ok(overlapped(callOf(calls, 'update_api_configs'), callOf(calls, 'update_worker_configs')));
    assert.ok(
      callOf(calls, 'restart_services').start >= (callOf(calls, 'update_worker_configs').end ?? Infinity),
    );
  });

  test('resource-management: the tasks fit the budgets and run', async () => {
    const { result, json } = await run('examples/resource-management.yaml');
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      Object.values(json.steps).map((s) => s.phase),
      ['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded'],
    );
  });

  test('conditional-deployment: deploys when api health is below 80 and scales on load', async () => {
    const low = await run('examples/conditional-deployment.yaml', ['-e', 'staging'], {
      SYSCTL_API_HEALTH: '70',
      SYSCTL_CPU: '90',
    });
    assert.equal(low.result.code, 0, low.result.stderr);
    assert.equal(low.json.steps.deploy_api?.phase, 'Succeeded');
    assert.deepEqual(callOf(low.calls, 'scale_based_on_load', 1).args, [
      'scale',
      'api',
      '--replicas',
      '5',
      '--env',
      'staging',
    ]);
    const healthy = await run('examples/conditional-deployment.yaml', ['-e', 'staging'], {
      SYSCTL_API_HEALTH: '95',
      SYSCTL_CPU: '50',
    });
    assert.equal(healthy.json.steps.conditional_deployment?.phase, 'Skipped');
    assert.equal(healthy.json.steps.deploy_api?.phase, 'Skipped');
    assert.ok(!healthy.calls.some((c) => c.args[0] === 'scale'));
  });

  test('environment-specific: only the production group runs, in order', async () => {
    const { result, calls } = await run('examples/environment-specific.yaml', ['-e', 'production']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(stepsCalled(calls), [
      'production_setup.1',
      'production_setup.2',
      'production_setup.3',
      'production_setup.4',
    ]);
  });

  test('error-handling, circuit-breaker and with-metrics succeed when nothing fails', async () => {
    for (const file of ['error-handling', 'circuit-breaker', 'with-metrics']) {
      const { result, json } = await run(`examples/${file}.yaml`);
      assert.equal(result.code, 0, `${file}: ${result.stderr}`);
      assert.equal(json.phase, 'Succeeded');
    }
  });

  test('circuit-breaker: five failed runs open the breaker, the sixth runs the fallback steps', async () => {
    const dir = tempDir();
    for (let i = 0; i < 5; i++) {
      const r = await run(
        'examples/circuit-breaker.yaml',
        [],
        { SYSCTL_FAIL: 'database migrate', SYSCTL_DELAY_MS: '10' },
        dir,
      );
      assert.equal(r.result.code, 1, `run ${i + 1} fails`);
    }
    const sixth = await run(
      'examples/circuit-breaker.yaml',
      [],
      { SYSCTL_FAIL: 'database migrate', SYSCTL_DELAY_MS: '10' },
      dir,
    );
    assert.equal(sixth.json.steps.database_dependent_task?.phase, 'FellBack');
    const last = sixth.calls.slice(-2).map((c) => c.step);
    assert.deepEqual(last, ['enable_maintenance_mode', 'notify_team']);
    assert.equal(
      sixth.calls.filter((c) => c.args.join(' ') === 'database migrate --env production').length,
      5,
      'the open breaker skips the call',
    );
  });

  test('best-practice-example: prerequisites first, then steps, then post_execution.success', async () => {
    const { result, calls } = await run('examples/best-practice-example.yaml', [
      '--set',
      'environment=staging,services={api}',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(stepsCalled(calls), [
      'recent_backup',
      'health_check',
      'resource_check',
      'cleanup_old_resources',
      'update_documentation',
    ]);
  });

  test('best-practice-example: a validation expression stops the run with its message', async () => {
    const dir = tempDir();
    const r = await conveyor(
      ['run', join(REPO, 'examples/best-practice-example.yaml'), '--set', 'environment=dev,services={api}'],
      { cwd: dir },
    );
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Environment must be staging or production/);
  });
});
