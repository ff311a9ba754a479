// A graceful stop (`conveyor stop`): nothing new starts, running steps finish, the failure hooks
// run; a cancel afterwards (`conveyor terminate`) stops what still runs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { phases, run } from './helpers/run.ts';
import { parallel, step, workflow } from './helpers/workflow.ts';

const HOOKS = {
  onFailure: [step('page')],
  postExecution: { success: [], failure: [step('debug')] },
  rollback: { enabled: true, automatic: true, conditions: [], steps: [step('undo')] },
};

describe('graceful stop', () => {
  it('lets running steps finish, starts nothing new, runs on_failure and post failure hooks, ends Cancelled', () => {
    const r = run(
      workflow([parallel('p', [step('a'), step('b', { dependsOn: ['a'] }), step('c')]), step('d')], HOOKS),
      {
        script: { a: { durationMs: 100 }, c: { durationMs: 100 } },
        inject: [{ at: 50, observation: { kind: 'cancelRequested', user: 'alice', graceful: true } }],
      },
    );
    assert.equal(
      r.actions.filter((a) => a.action.kind === 'cancelAttempt').length,
      0,
      'no running attempt is cancelled',
    );
    assert.deepEqual(phases(r.plan, r.state, ['a', 'b', 'c', 'd', 'page', 'debug', 'undo']), {
      a: 'Succeeded',
      b: 'Cancelled:Stopped',
      c: 'Succeeded',
      d: 'Cancelled:Stopped',
      page: 'Succeeded',
      debug: 'Succeeded',
      undo: 'Skipped:NotTriggered',
    });
    assert.deepEqual(r.order(), ['a', 'c', 'page', 'debug']);
    assert.equal(r.state.phase, 'Cancelled');
    assert.equal(r.state.reason, 'Stopped');
    assert.equal(r.state.message, 'stopped by alice');
  });

  it('rolls back after a stop only when a step failed', () => {
    const r = run(workflow([parallel('p', [step('a'), step('bad')]), step('d')], HOOKS), {
      script: { a: { durationMs: 100 }, bad: { durationMs: 80, exit: 1 } },
      inject: [{ at: 50, observation: { kind: 'cancelRequested', graceful: true } }],
    });
    assert.deepEqual(r.order(), ['a', 'bad', 'undo', 'page', 'debug']);
    assert.equal(r.state.phase, 'Cancelled');
  });

  it('cancels the steps a stop left running when a cancel follows it, and runs no hooks', () => {
    const r = run(workflow([parallel('p', [step('a'), step('c')]), step('d')], HOOKS), {
      script: { a: { durationMs: 100 }, c: { durationMs: 1000 } },
      inject: [
        { at: 50, observation: { kind: 'cancelRequested', graceful: true } },
        { at: 200, observation: { kind: 'cancelRequested', user: 'bob' } },
      ],
      cancelDelayMs: 3,
    });
    assert.deepEqual(phases(r.plan, r.state, ['a', 'c', 'd', 'page']), {
      a: 'Succeeded',
      c: 'Cancelled:Cancelled',
      d: 'Cancelled:Stopped',
      page: 'Skipped:RunCancelled',
    });
    assert.equal(r.state.phase, 'Cancelled');
    assert.equal(r.state.reason, 'Cancelled');
    assert.equal(r.state.message, 'cancelled by bob');
    assert.equal(r.end, 203);
  });

  it('lets the finalisation hooks of a run that already decided its outcome finish', () => {
    const r = run(workflow([step('a')], { onSuccess: [step('slow_hook'), step('next_hook')] }), {
      script: { slow_hook: { durationMs: 1000 } },
      inject: [{ at: 100, observation: { kind: 'cancelRequested', graceful: true } }],
    });
    assert.deepEqual(r.order(), ['a', 'slow_hook', 'next_hook']);
    assert.equal(r.state.phase, 'Succeeded');
  });
});
