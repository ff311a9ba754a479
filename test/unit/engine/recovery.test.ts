// Recovery strategies: matching raised conditions, running the named actions, one more try.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { run } from './helpers/run.ts';
import { step, workflow } from './helpers/workflow.ts';
import type { Workflow } from '../../../src/spec/model.ts';

function withRecovery(
  steps: Workflow['steps'],
  actions = ['restart_service', 'scale_up_replicas'],
): Workflow {
  return workflow(steps, {
    recovery: {
      enabled: true,
      strategies: [
        {
          name: 'data_recovery',
          conditions: ['data_corruption'],
          actions: ['restore_from_backup'],
          source: { path: 'r0' },
        },
        {
          name: 'service_recovery',
          conditions: ['service_down', 'health_check_failed'],
          actions,
          source: { path: 'r1' },
        },
      ],
    },
    actions: [step('restart_service'), step('scale_up_replicas'), step('restore_from_backup')],
  });
}

describe('recovery strategies', () => {
  it('runs the actions of the strategy whose condition the failure raised, then retries the step once', () => {
    const r = run(withRecovery([step('health', { raises: 'health_check_failed' }), step('next')]), {
      script: { health: [{ exit: 1 }, { exit: 0 }] },
    });
    assert.deepEqual(
      r.attempts.map((a) => `${a.purpose}:${a.step}@${a.start}`),
      [
        'main:health@0',
        'recovery:restart_service@10',
        'recovery:scale_up_replicas@20',
        'main:health@30',
        'main:next@40',
      ],
    );
    assert.equal(r.step('health').phase, 'Succeeded');
    assert.equal(r.state.phase, 'Succeeded');
  });

  it('fails the step when the retry after recovery fails too, without recovering again', () => {
    const r = run(
      withRecovery([step('health', { raises: 'health_check_failed', onFailure: [step('page')] })]),
      {
        script: { health: { exit: 1 } },
      },
    );
    assert.deepEqual(r.order(), ['health', 'restart_service', 'scale_up_replicas', 'health', 'page']);
    assert.equal(r.step('health').phase, 'Failed');
  });

  it('stops at the first failing action and fails the step', () => {
    const r = run(withRecovery([step('health', { raises: 'health_check_failed' })]), {
      script: { health: { exit: 1 }, restart_service: { exit: 1 } },
    });
    assert.deepEqual(r.order(), ['health', 'restart_service']);
    assert.match(r.step('health').message ?? '', /recovery action 'restart_service' failed/);
  });

  it('does not recover a failure that raised none of the conditions', () => {
    const r = run(withRecovery([step('plain')]), { script: { plain: { exit: 1 } } });
    assert.deepEqual(r.order(), ['plain']);
  });

  it('fails with a clear message when a strategy names an undefined action', () => {
    const r = run(
      withRecovery([step('health', { raises: 'service_down' })], ['restart_service', 'switch_to_backup']),
      {
        script: { health: { exit: 1 } },
      },
    );
    assert.deepEqual(r.order(), ['health']);
    assert.match(r.step('health').message ?? '', /action 'switch_to_backup' is not defined/);
  });
});
