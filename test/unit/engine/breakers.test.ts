// Circuit breakers across runs: opening after consecutive failures, fallbacks while open, the trial.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildPlan } from '../../../src/engine/plan.ts';
import { createRunState } from '../../../src/engine/state.ts';
import type { BreakerState, Plan } from '../../../src/engine/types.ts';
import type { Workflow } from '../../../src/spec/model.ts';
import { simulate } from './helpers/simulator.ts';
import type { Script } from './helpers/simulator.ts';
import { withLookups } from './helpers/run.ts';
import type { RunResult } from './helpers/run.ts';
import { parallel, step, workflow } from './helpers/workflow.ts';

function breakerWorkflow(over: Partial<Parameters<typeof step>[1]> = {}, fallback: string[] = []): Workflow {
  return workflow(
    [
      step('database_dependent_task', {
        circuitBreaker: 'database_operations',
        fallbackSteps: [step('enable_maintenance_mode'), step('notify_team')],
        ...over,
      }),
    ],
    {
      circuitBreakers: {
        database_operations: {
          name: 'database_operations',
          failureThreshold: 2,
          recoveryTimeoutMs: 60_000,
          fallback,
          source: { path: 'cb' },
        },
      },
      actions: [step('use_cache'), step('read_only_mode')],
    },
  );
}

function runAt(
  plan: Plan,
  start: number,
  breakers: Record<string, BreakerState>,
  script: Script = {},
): RunResult {
  const state = createRunState(plan, { runId: `run-${start}`, context: {}, breakers }, start);
  return withLookups(plan, simulate(plan, state, { start, script, checkIdempotent: true }));
}

describe('circuit breakers', () => {
  it('opens after failure_threshold consecutive failures, carried from run to run', () => {
    const plan = buildPlan(breakerWorkflow());
    const fail = { database_dependent_task: { exit: 1 } };
    const first = runAt(plan, 0, {}, fail);
    assert.deepEqual(first.state.breakers.database_operations, { state: 'closed', failures: 1 });
    const second = runAt(plan, 1000, first.state.breakers, fail);
    assert.deepEqual(second.state.breakers.database_operations, {
      state: 'open',
      failures: 2,
      openedAt: 1010,
    });
    assert.ok(second.events('breaker_opened').length === 1);
  });

  it('runs fallback_steps instead of the step while open; the step ends FellBack and the run Degraded', () => {
    const plan = buildPlan(breakerWorkflow());
    const open = { database_operations: { state: 'open', failures: 2, openedAt: 1000 } } as const;
    const r = runAt(plan, 5000, open);
    assert.deepEqual(r.order(), ['enable_maintenance_mode', 'notify_team']);
    assert.equal(r.step('database_dependent_task').phase, 'FellBack');
    assert.equal(r.state.degraded, true);
    assert.equal(r.state.phase, 'Succeeded');
    assert.deepEqual(r.state.breakers.database_operations, open.database_operations);
  });

  it("uses the breaker's fallback actions when the step has no fallback_steps", () => {
    const plan = buildPlan(breakerWorkflow({ fallbackSteps: [] }, ['use_cache', 'read_only_mode']));
    const r = runAt(plan, 5000, { database_operations: { state: 'open', failures: 2, openedAt: 1000 } });
    assert.deepEqual(
      r.attempts.map((a) => `${a.purpose}:${a.step}`),
      ['fallback:use_cache', 'fallback:read_only_mode'],
    );
  });

  it('fails the step when the breaker is open and nothing can replace it', () => {
    const plan = buildPlan(breakerWorkflow({ fallbackSteps: [] }));
    const r = runAt(plan, 5000, { database_operations: { state: 'open', failures: 2, openedAt: 1000 } });
    assert.equal(r.step('database_dependent_task').reason, 'CircuitOpen');
    assert.equal(r.state.phase, 'Failed');
  });

  it('fails the step when its fallback fails', () => {
    const plan = buildPlan(breakerWorkflow());
    const r = runAt(
      plan,
      5000,
      { database_operations: { state: 'open', failures: 2, openedAt: 1000 } },
      {
        enable_maintenance_mode: { exit: 1 },
      },
    );
    assert.deepEqual(r.order(), ['enable_maintenance_mode']);
    assert.equal(r.step('database_dependent_task').reason, 'FallbackFailed');
  });

  it('lets one trial through after recovery_timeout: success closes the breaker', () => {
    const plan = buildPlan(breakerWorkflow());
    const r = runAt(plan, 61_001, { database_operations: { state: 'open', failures: 2, openedAt: 1000 } });
    assert.deepEqual(r.order(), ['database_dependent_task']);
    assert.deepEqual(r.state.breakers.database_operations, { state: 'closed', failures: 0 });
    assert.deepEqual(r.state.breakerTrials, {});
  });

  it('re-opens the breaker when the trial fails', () => {
    const plan = buildPlan(breakerWorkflow());
    const r = runAt(
      plan,
      70_000,
      { database_operations: { state: 'open', failures: 2, openedAt: 1000 } },
      {
        database_dependent_task: { exit: 1 },
      },
    );
    assert.deepEqual(r.state.breakers.database_operations, { state: 'open', failures: 3, openedAt: 70_010 });
  });

  it('falls back on a retry once failures within the step open the breaker', () => {
    const plan = buildPlan(breakerWorkflow({ retry: { attempts: 3, delayMs: 100, backoff: 'constant' } }));
    const r = runAt(plan, 0, {}, { database_dependent_task: { exit: 1 } });
    assert.deepEqual(r.order(), [
      'database_dependent_task',
      'database_dependent_task',
      'enable_maintenance_mode',
      'notify_team',
    ]);
    assert.equal(r.step('database_dependent_task').phase, 'FellBack');
  });

  it('lets only one step of a run be the trial; the others fall back meanwhile', () => {
    const shared = (name: string): ReturnType<typeof step> =>
      step(name, { circuitBreaker: 'database_operations', fallbackSteps: [step(`${name}_fallback`)] });
    const wf = { ...breakerWorkflow(), steps: [parallel('p', [shared('first'), shared('second')])] };
    const r = runAt(buildPlan(wf), 70_000, {
      database_operations: { state: 'open', failures: 2, openedAt: 1000 },
    });
    assert.deepEqual(
      r.attempts.map((a) => `${a.purpose}:${a.step}@${a.start}`),
      ['main:first@70000', 'fallback:second_fallback@70000'],
    );
    assert.equal(r.step('second').phase, 'FellBack');
    assert.deepEqual(r.state.breakers.database_operations, { state: 'closed', failures: 0 });
  });
});
