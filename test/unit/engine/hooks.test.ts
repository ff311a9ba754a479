// Hook details: conditions and retries on hooks, group on_failure, prerequisites under cancel and timeout.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { phases, run } from './helpers/run.ts';
import { group, step, workflow } from './helpers/workflow.ts';

describe('hooks', () => {
  it('skips a hook whose condition is false and runs the next one', () => {
    const r = run(
      workflow([step('a')], {
        onSuccess: [step('prod_only', { when: '{{ .is_production }}' }), step('always')],
      }),
      {},
      { context: { is_production: false } },
    );
    assert.deepEqual(r.order(), ['a', 'always']);
    assert.equal(r.step('prod_only').reason, 'ConditionFalse');
  });

  it("retries a hook under the hook's own retry policy", () => {
    const r = run(
      workflow([step('a')], {
        onSuccess: [step('notify', { retry: { attempts: 3, delayMs: 100, backoff: 'linear' } })],
      }),
      { script: { notify: [{ exit: 1 }, { exit: 1 }, { exit: 0 }] } },
    );
    assert.deepEqual(
      r.startsOf('notify').map((a) => a.start),
      [10, 120, 330],
    );
    assert.deepEqual(r.state.failedHooks, []);
  });

  it('runs a failed group’s on_failure hooks', () => {
    const r = run(workflow([group('g', [step('a'), step('b')], { onFailure: [step('group_hook')] })]), {
      script: { b: { exit: 1 } },
    });
    assert.deepEqual(
      r.attempts.map((a) => `${a.purpose}:${a.step}`),
      ['main:a', 'main:b', 'on_failure:group_hook'],
    );
  });

  it('runs the same named action once per use, with its own attempt ids', () => {
    const r = run(
      workflow([step('x', { circuitBreaker: 'cb' }), step('y', { circuitBreaker: 'cb' })], {
        circuitBreakers: {
          cb: {
            name: 'cb',
            failureThreshold: 1,
            recoveryTimeoutMs: 1000,
            fallback: ['use_cache'],
            source: { path: 'cb' },
          },
        },
        actions: [step('use_cache')],
      }),
      {},
      { breakers: { cb: { state: 'open', failures: 1, openedAt: 0 } } },
    );
    assert.deepEqual(
      r.attempts.map((a) => a.id),
      ['use_cache-1', 'use_cache-2'],
    );
    assert.deepEqual(phases(r.plan, r.state, ['x', 'y']), {
      x: 'FellBack:CircuitOpen',
      y: 'FellBack:CircuitOpen',
    });
  });

  it('cancels a running prerequisite on cancel and ends the run Cancelled', () => {
    const r = run(workflow([step('a')], { prerequisites: [step('check')] }), {
      script: { check: { durationMs: 100 } },
      inject: [{ at: 20, observation: { kind: 'cancelRequested' } }],
    });
    assert.equal(r.state.phase, 'Cancelled');
    assert.equal(r.step('check').phase, 'Cancelled');
    assert.equal(r.step('a').phase, 'Cancelled');
  });

  it('fails the run on its deadline while prerequisites run', () => {
    const r = run(workflow([step('a')], { prerequisites: [step('check')], timeoutMs: 50 }), {
      script: { check: { durationMs: 100 } },
    });
    assert.equal(r.state.phase, 'Failed');
    assert.equal(r.state.reason, 'DeadlineExceeded');
    assert.equal(r.end, 50);
  });

  it('continues an on_retry list past a failing hook and still retries', () => {
    const r = run(
      workflow([
        step('s', {
          retry: { attempts: 2, delayMs: 10, backoff: 'constant' },
          onRetry: [step('h1'), step('h2')],
        }),
      ]),
      { script: { s: [{ exit: 1 }, { exit: 0 }], h1: { exit: 1 } } },
    );
    assert.deepEqual(r.order(), ['s', 'h1', 'h2', 's']);
    assert.equal(r.state.phase, 'Succeeded');
  });

  it('ends a hook waiting for its retry at once when the run is cancelled', () => {
    const r = run(
      workflow([step('a')], {
        onSuccess: [step('notify', { retry: { attempts: 3, delayMs: 10_000, backoff: 'constant' } })],
      }),
      { script: { notify: { exit: 1 } }, inject: [{ at: 100, observation: { kind: 'cancelRequested' } }] },
    );
    assert.equal(r.step('notify').phase, 'Cancelled');
    assert.equal(r.state.finishedAt, 100);
    assert.equal(r.state.phase, 'Succeeded');
  });
});
