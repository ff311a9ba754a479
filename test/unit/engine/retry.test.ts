// Retries: exact delays for each backoff, on_retry hooks before the delay, the workflow policy, timeouts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryDelayMs } from '../../../src/engine/retry.ts';
import { run } from './helpers/run.ts';
import { step, workflow } from './helpers/workflow.ts';

const fails = (n: number): { exit: number }[] => [
  ...Array.from({ length: n }, () => ({ exit: 1 })),
  { exit: 0 },
];

describe('retries', () => {
  it('retries a failed step with exponential delays', () => {
    const r = run(
      workflow([step('flaky', { retry: { attempts: 4, delayMs: 1000, backoff: 'exponential' } })]),
      {
        script: { flaky: fails(3) },
      },
    );
    assert.deepEqual(
      r.startsOf('flaky').map((a) => a.start),
      [0, 1010, 3020, 7030],
    );
    assert.equal(r.step('flaky').phase, 'Succeeded');
    assert.equal(r.step('flaky').tries, 4);
  });

  it('retries with linear and constant delays', () => {
    const linear = run(workflow([step('s', { retry: { attempts: 4, delayMs: 1000, backoff: 'linear' } })]), {
      script: { s: fails(3) },
    });
    assert.deepEqual(
      linear.startsOf('s').map((a) => a.start),
      [0, 1010, 3020, 6030],
    );
    const constant = run(
      workflow([step('s', { retry: { attempts: 3, delayMs: 500, backoff: 'constant' } })]),
      {
        script: { s: fails(2) },
      },
    );
    assert.deepEqual(
      constant.startsOf('s').map((a) => a.start),
      [0, 510, 1020],
    );
  });

  it('caps a growing delay at max_delay', () => {
    const policy = { attempts: 6, delayMs: 1000, backoff: 'exponential', maxDelayMs: 3000 } as const;
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((k) => retryDelayMs(policy, k)),
      [1000, 2000, 3000, 3000, 3000],
    );
  });

  it('shows a step waiting for its retry as Retrying with the time of the next try', () => {
    const r = run(workflow([step('s', { retry: { attempts: 2, delayMs: 1000, backoff: 'constant' } })]), {
      script: { s: fails(1) },
      check: (state, _running, now) => {
        if (now === 10) {
          assert.equal(state.steps[0]?.phase, 'Retrying');
          assert.equal(state.steps[0]?.nextAttemptAt, 1010);
        }
      },
    });
    assert.ok(r.actions.some((a) => a.at === 10 && a.action.kind === 'wakeAt' && a.action.at === 1010));
  });

  it('fails the step once all tries are used, counting the first try', () => {
    const r = run(workflow([step('s', { retry: { attempts: 3, delayMs: 100, backoff: 'constant' } })]), {
      script: { s: { exit: 2 } },
    });
    assert.equal(r.startsOf('s').length, 3);
    assert.equal(r.step('s').phase, 'Failed');
    assert.equal(r.step('s').message, 'exit code 2');
    assert.equal(r.state.phase, 'Failed');
  });

  it('runs on_retry hooks after a failed try and before the delay', () => {
    const r = run(
      workflow([
        step('risky', {
          retry: { attempts: 2, delayMs: 60_000, backoff: 'exponential' },
          onRetry: [step('cleanup_failed_deployment')],
        }),
      ]),
      { script: { risky: fails(1), cleanup_failed_deployment: { durationMs: 5 } } },
    );
    assert.deepEqual(
      r.attempts.map((a) => [a.step, a.purpose, a.start]),
      [
        ['risky', 'main', 0],
        ['cleanup_failed_deployment', 'on_retry', 10],
        ['risky', 'main', 60_015],
      ],
    );
  });

  it('gives every step without its own policy the workflow policy under strategy retry', () => {
    const r = run(
      workflow([step('a'), step('b', { retry: { attempts: 1, delayMs: 0, backoff: 'constant' } })], {
        errorHandling: { strategy: 'retry', retry: { attempts: 3, delayMs: 30_000, backoff: 'constant' } },
      }),
      { script: { a: fails(2), b: { exit: 1 } } },
    );
    assert.deepEqual(
      r.startsOf('a').map((a) => a.start),
      [0, 30_010, 60_020],
    );
    assert.equal(r.startsOf('b').length, 1);
  });

  it('does not use the workflow policy under fail_fast', () => {
    const r = run(
      workflow([step('a')], {
        errorHandling: { strategy: 'fail_fast', retry: { attempts: 4, delayMs: 1, backoff: 'constant' } },
      }),
      { script: { a: { exit: 1 } } },
    );
    assert.equal(r.startsOf('a').length, 1);
  });

  it('fails a timed-out step with reason TimedOut and raises deployment_timeout', () => {
    const r = run(workflow([step('slow', { timeoutMs: 300_000 })]), {
      script: { slow: { exit: null, timedOut: true, durationMs: 300_000 } },
    });
    assert.equal(r.step('slow').reason, 'TimedOut');
    assert.equal(r.step('slow').message, 'timed out after 5m');
    assert.deepEqual(r.state.raised, ['step_failed', 'deployment_timeout']);
  });

  it('says how long a step ran before it timed out as the CLI writes durations (1h30m, not 90m)', () => {
    const r = run(workflow([step('slow', { timeoutMs: 5_400_000 })]), {
      script: { slow: { exit: null, timedOut: true, durationMs: 5_400_000 } },
    });
    assert.equal(r.step('slow').message, 'timed out after 1h30m');
  });

  it('retries a timed-out try like any failed one', () => {
    const r = run(
      workflow([step('slow', { timeoutMs: 100, retry: { attempts: 2, delayMs: 0, backoff: 'constant' } })]),
      {
        script: { slow: [{ timedOut: true, exit: null, durationMs: 100 }, { durationMs: 10 }] },
      },
    );
    assert.deepEqual(
      r.startsOf('slow').map((a) => a.start),
      [0, 100],
    );
    assert.equal(r.step('slow').phase, 'Succeeded');
  });
});
