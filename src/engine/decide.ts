// The entry point and dispatcher of the engine: apply what was observed, let time pass, then move
// everything that can move until nothing does; return the new state and the actions for the
// executor. The rules below only queue what they set in motion (ready nodes, groups whose children
// ended) or hand it to a handler from the tables here; settle() drains the queues.
import { driveActivities } from './activities.ts';
import type { ActivityDone, ActivityHandlers } from './activities.ts';
import { applyApproval, withdrawApproval } from './approvals.ts';
import { applyFinished, applyStarted } from './attempt-reports.ts';
import { fallbackDone } from './breakers.ts';
import { concludeGroups, undoDone } from './groups.ts';
import { keepIndexes, takeIndexes } from './indexes.ts';
import { considerNextReady } from './readiness.ts';
import { recoveryDone } from './recovery.ts';
import { onRetryHooksDone } from './retry.ts';
import { mayStartSteps, scheduleNext } from './scheduler.ts';
import {
  advanceStage,
  cancelRun,
  prerequisitesDone,
  requestManualRollback,
  stageActivityDone,
  startRun,
  updateRunPhase,
} from './stages.ts';
import { armWake, fireNextTimer } from './timers.ts';
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
  for (const o of observations) {
    observe(w, o);
    concludeGroups(w);
  }
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

const nothing: ActivityDone = () => {};

/** A handler, then the groups whose last child it ended. */
const concluding =
  (done: ActivityDone): ActivityDone =>
  (w, a) => {
    done(w, a);
    concludeGroups(w);
  };

/** What each kind of activity does when its list is through. */
const ACTIVITY_DONE: ActivityHandlers = {
  main: nothing,
  prerequisite: concluding(prerequisitesDone),
  on_retry: concluding(onRetryHooksDone),
  recovery: concluding(recoveryDone),
  fallback: concluding(fallbackDone),
  undo: concluding(undoDone),
  // A step's on_failure hooks run beside everything else; their end changes nothing.
  on_failure: nothing,
  rollback: concluding(stageActivityDone),
  workflow_on_failure: concluding(stageActivityDone),
  post_failure: concluding(stageActivityDone),
  on_success: concluding(stageActivityDone),
  post_success: concluding(stageActivityDone),
};

/**
 * Runs the rules to a fixpoint: each pass may make something else ready, start or end. The rules
 * move one thing at a time (a timer, a ready node, an activity, a leaf to start); the groups whose
 * last child that ended are concluded before the next thing moves, so nothing later sees them open.
 */
function settle(w: Work): void {
  for (;;) {
    const before = w.changes;
    while (fireNextTimer(w)) concludeGroups(w);
    while (considerNextReady(w)) concludeGroups(w);
    driveActivities(w, ACTIVITY_DONE);
    if (mayStartSteps(w)) while (scheduleNext(w)) concludeGroups(w);
    advanceStage(w);
    if (w.changes === before && w.ix.readyQueue.length === 0) return;
  }
}
