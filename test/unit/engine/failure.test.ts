// Failures: fail fast, continue on error, step and workflow hooks in DESIGN.md's order, rollback.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { phases, run } from './helpers/run.ts';
import { parallel, step, workflow } from './helpers/workflow.ts';

describe('failure handling', () => {
  it('fails fast: cancels running steps, skips pending ones, dependents as DependencyFailed', () => {
    const r = run(
      workflow([
        parallel('p', [
          step('bad'),
          step('long'),
          step('after_bad', { dependsOn: ['bad'] }),
          step('after_long', { dependsOn: ['long'] }),
        ]),
        step('later'),
      ]),
      { script: { bad: { exit: 1, durationMs: 10 }, long: { durationMs: 1000 } }, cancelDelayMs: 5 },
    );
    assert.deepEqual(phases(r.plan, r.state, ['bad', 'long', 'after_bad', 'after_long', 'later', 'p']), {
      bad: 'Failed:ExitCode',
      long: 'Cancelled:RunFailed',
      after_bad: 'Skipped:DependencyFailed',
      after_long: 'Skipped:RunFailed',
      later: 'Skipped:DependencyFailed',
      p: 'Failed:ChildFailed',
    });
    assert.deepEqual(
      r.actions.filter((a) => a.action.kind === 'cancelAttempt').map((a) => [a.at, a.action.kind]),
      [[10, 'cancelAttempt']],
    );
    assert.equal(r.main('long').end, 15);
    assert.equal(r.state.phase, 'Failed');
    assert.equal(r.state.reason, 'StepFailed');
    assert.equal(r.state.message, "step 'bad' failed: exit code 1");
    assert.equal(r.end, 15);
  });

  it('keeps going under the continue_on_error strategy like make -k: dependents skipped, the rest runs', () => {
    const r = run(
      workflow(
        [
          parallel('p', [
            step('a'),
            step('b'),
            step('c', { dependsOn: ['a'] }),
            step('d', { dependsOn: ['c'] }),
          ]),
          step('after'),
        ],
        {
          errorHandling: { strategy: 'continue_on_error' },
        },
      ),
      { script: { a: { exit: 1, durationMs: 10 }, b: { durationMs: 30 } } },
    );
    assert.deepEqual(r.order(), ['a', 'b']);
    assert.deepEqual(phases(r.plan, r.state, ['a', 'b', 'c', 'd', 'p', 'after']), {
      a: 'Failed:ExitCode',
      b: 'Succeeded',
      c: 'Skipped:DependencyFailed',
      d: 'Skipped:DependencyFailed',
      p: 'Failed:ChildFailed',
      // The next step of a sequence depends on the one before it.
      after: 'Skipped:DependencyFailed',
    });
    assert.equal(r.step('c').message, "its dependency 'a' failed");
    assert.equal(r.state.phase, 'Failed');
  });

  it('lets dependents run after a step that declares continue_on_error; the run option does not', () => {
    const wf = (coe: boolean): ReturnType<typeof workflow> =>
      workflow([
        parallel('p', [step('a', { continueOnError: coe }), step('b', { dependsOn: ['a'] }), step('c')]),
      ]);
    const byStep = run(wf(true), { script: { a: { exit: 1 } } });
    assert.equal(byStep.step('b').phase, 'Succeeded');
    assert.equal(byStep.state.phase, 'Failed');
    const byOption = run(wf(false), { script: { a: { exit: 1 } } }, { options: { continueOnError: true } });
    assert.equal(byOption.step('b').phase, 'Skipped');
    assert.equal(byOption.step('b').reason, 'DependencyFailed');
    assert.equal(byOption.step('c').phase, 'Succeeded');
    const without = run(wf(false), { script: { a: { exit: 1, durationMs: 10 }, c: { durationMs: 50 } } });
    assert.equal(without.step('c').phase, 'Cancelled');
  });

  it("runs a step's on_failure hooks after its final failure, in order", () => {
    const r = run(
      workflow([
        step('risky_operation', {
          retry: { attempts: 2, delayMs: 100, backoff: 'constant' },
          onFailure: [step('log_failure'), step('notify_oncall'), step('automatic_rollback')],
        }),
      ]),
      { script: { risky_operation: { exit: 1 } } },
    );
    assert.deepEqual(
      r.attempts.map((a) => `${a.step}@${a.start}`),
      [
        'risky_operation@0',
        'risky_operation@110',
        'log_failure@120',
        'notify_oncall@130',
        'automatic_rollback@140',
      ],
    );
    assert.equal(r.state.phase, 'Failed');
  });

  it('runs rollback, then on_failure, then post_execution.failure when the run fails', () => {
    const r = run(
      workflow([step('deploy', { raises: 'health_check_failed' })], {
        rollback: {
          enabled: true,
          automatic: true,
          conditions: ['health_check_failed'],
          steps: [step('traffic_rollback'), step('service_rollback')],
        },
        onFailure: [step('page')],
        onSuccess: [step('celebrate')],
        postExecution: {
          success: [step('cleanup')],
          failure: [step('collect_debug_info'), step('create_incident')],
        },
      }),
      { script: { deploy: { exit: 1 } } },
    );
    assert.deepEqual(r.order(), [
      'deploy',
      'traffic_rollback',
      'service_rollback',
      'page',
      'collect_debug_info',
      'create_incident',
    ]);
    assert.deepEqual(r.state.rollback, { trigger: 'automatic', phase: 'Succeeded' });
    assert.deepEqual(phases(r.plan, r.state, ['celebrate', 'cleanup']), {
      celebrate: 'Skipped:NotTriggered',
      cleanup: 'Skipped:NotTriggered',
    });
  });

  it('runs on_success then post_execution.success when the run succeeds', () => {
    const r = run(
      workflow([step('deploy')], {
        rollback: { enabled: true, automatic: true, conditions: [], steps: [step('undo')] },
        onFailure: [step('page')],
        onSuccess: [step('notify_team')],
        postExecution: {
          success: [step('cleanup_old_resources'), step('update_documentation')],
          failure: [step('debug')],
        },
      }),
    );
    assert.deepEqual(r.order(), ['deploy', 'notify_team', 'cleanup_old_resources', 'update_documentation']);
    assert.equal(r.state.phase, 'Succeeded');
    assert.equal(r.state.stage, 'done');
  });

  it('skips automatic rollback when none of its conditions was raised', () => {
    const r = run(
      workflow([step('deploy')], {
        rollback: {
          enabled: true,
          automatic: true,
          conditions: ['health_check_failed', 'deployment_timeout'],
          steps: [step('rb')],
        },
      }),
      { script: { deploy: { exit: 1 } } },
    );
    assert.deepEqual(r.order(), ['deploy']);
    assert.equal(r.state.rollback, undefined);
  });

  it('rolls back on any failure when rollback lists no conditions, but not when it is manual only', () => {
    const wf = (automatic: boolean): ReturnType<typeof workflow> =>
      workflow([step('deploy')], {
        rollback: { enabled: true, automatic, conditions: [], steps: [step('rb')] },
      });
    assert.deepEqual(run(wf(true), { script: { deploy: { exit: 1 } } }).order(), ['deploy', 'rb']);
    assert.deepEqual(run(wf(false), { script: { deploy: { exit: 1 } } }).order(), ['deploy']);
  });

  it('records a failing hook without changing the decided outcome, and runs the remaining hooks', () => {
    const r = run(
      workflow([step('deploy')], {
        onSuccess: [step('notify'), step('tidy')],
      }),
      { script: { notify: { exit: 7 } } },
    );
    assert.equal(r.state.phase, 'Succeeded');
    assert.deepEqual(r.state.failedHooks, ['notify']);
    assert.equal(r.step('tidy').phase, 'Succeeded');
    assert.ok(r.events('hook_failed').length === 1);
  });

  it('rolls back a failed run on request (manual rollback)', () => {
    const r = run(
      workflow([step('deploy')], {
        rollback: { enabled: true, automatic: false, conditions: [], steps: [step('rb1'), step('rb2')] },
      }),
      {
        script: { deploy: { exit: 1 } },
        inject: [{ at: 1000, observation: { kind: 'rollbackRequested', user: 'alice' } }],
      },
    );
    assert.deepEqual(
      r.attempts.map((a) => `${a.step}@${a.start}`),
      ['deploy@0', 'rb1@1000', 'rb2@1010'],
    );
    assert.deepEqual(r.state.rollback, { trigger: 'manual', phase: 'Succeeded' });
    assert.equal(r.state.phase, 'Failed');
    assert.equal(r.state.stage, 'done');
    assert.equal(r.actions.filter((a) => a.action.kind === 'finishRun').length, 2);
  });

  it('refuses a manual rollback of a succeeded run', () => {
    const r = run(
      workflow([step('deploy')], {
        rollback: { enabled: true, automatic: false, conditions: [], steps: [step('rb')] },
      }),
      { inject: [{ at: 100, observation: { kind: 'rollbackRequested' } }] },
    );
    assert.deepEqual(r.order(), ['deploy']);
    assert.ok(r.events('rollback_started').some((m) => /only a failed or cancelled run/.test(m)));
  });

  it('raises the name a step declares in raises, besides step_failed', () => {
    const r = run(workflow([step('health', { raises: 'health_check_failed' })]), {
      script: { health: { exit: 1 } },
    });
    assert.deepEqual(r.state.raised, ['step_failed', 'health_check_failed']);
  });

  it('treats an executor error as a failed try', () => {
    const r = run(workflow([step('s')]), { script: { s: { error: 'spawn sh ENOENT' } } });
    assert.equal(r.step('s').reason, 'ExecutorError');
    assert.equal(r.step('s').message, 'spawn sh ENOENT');
  });
});
