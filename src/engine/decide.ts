// The engine's entry point: apply what was observed, let time pass, then move everything that can
// move until nothing does; return the new state and the actions for the executor.
import { driveActivities } from './activities.ts';
import { applyApproval, withdrawApproval } from './approvals.ts';
import { applyFinished, applyStarted } from './attempts.ts';
import { keepIndexes, takeIndexes } from './indexes.ts';
import { processReadyQueue } from './readiness.ts';
import { schedule } from './scheduler.ts';
import { advanceStage, cancelRun, requestManualRollback, startRun, updateRunPhase } from './stages.ts';
import { armWake, fireTimers } from './timers.ts';
import { Work } from './work.ts';
import type { Decision, Observation, Plan, RunState } from './types.ts';
import { RUN_STATE_SCHEMA_VERSION } from './types.ts';

export function decide(
  plan: Plan,
  state: RunState,
  observations: readonly Observation[],
  now: number,
): Decision {
  if (state.schemaVersion !== RUN_STATE_SCHEMA_VERSION) {
    throw new Error(`run state schema version ${String(state.schemaVersion)} is not supported`);
  }
  const ix = takeIndexes(plan, state);
  const w = new Work(plan, state, now, ix);
  if (w.d.phase === 'Pending') startRun(w);
  for (const o of observations) observe(w, o);
  settle(w);
  updateRunPhase(w);
  armWake(w);
  const next = w.commit();
  keepIndexes(next, ix);
  return { state: next, actions: w.actions };
}

function observe(w: Work, o: Observation): void {
  switch (o.kind) {
    case 'attemptStarted':
      applyStarted(w, o);
      break;
    case 'attemptFinished':
      applyFinished(w, o);
      break;
    case 'approvalDecided':
      applyApproval(w, o);
      break;
    case 'approvalWithdrawn':
      withdrawApproval(w, o);
      break;
    case 'cancelRequested':
      cancelRun(w, o.user, o.message, o.graceful === true);
      break;
    case 'rollbackRequested':
      requestManualRollback(w);
      break;
  }
}

/** Runs the rules to a fixpoint: each pass may make something else ready, start or end. */
function settle(w: Work): void {
  for (;;) {
    const before = w.changes;
    fireTimers(w);
    processReadyQueue(w);
    driveActivities(w);
    schedule(w);
    advanceStage(w);
    if (w.changes === before && w.ix.readyQueue.length === 0) return;
  }
}
