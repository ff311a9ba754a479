// What a failure does: retries or recovery first, then the final failure (conditions raised,
// `on_failure` hooks, dependents), and stopping the run: fail fast, cancellation, run timeout.
import { requestCancel } from './attempts.ts';
import { restartHook, startActivity } from './activities.ts';
import { findRecovery, startRecovery } from './recovery.ts';
import { beginRetry } from './retry.ts';
import { endSubtree, finishNode } from './readiness.ts';
import { isTerminal } from './work.ts';
import type { Work } from './work.ts';
import type { AttemptPurpose, StepPhase, StopReason } from './types.ts';

export interface FailureInfo {
  readonly reason: string;
  readonly message: string;
  readonly timedOut: boolean;
  /** False for failures that would fail the same way again (render errors, oversized output). */
  readonly retryable: boolean;
}

/** A main attempt failed (not because it was cancelled). */
export function mainAttemptFailed(w: Work, i: number, info: FailureInfo): void {
  const st = w.step(i);
  if (!w.d.stop && info.retryable && st.tries < w.node(i).maxTries + st.extraTries) {
    beginRetry(w, i, info);
    return;
  }
  finalFailure(w, i, info);
}

/** No tries left: a matching recovery strategy gets one chance (once per round), else the step fails. */
export function finalFailure(w: Work, i: number, info: FailureInfo): void {
  if (!w.d.stop && w.step(i).extraTries === 0) {
    const strategy = findRecovery(w, conditionsOf(w, i, info.timedOut));
    if (strategy) {
      startRecovery(w, i, strategy, info);
      return;
    }
  }
  failStep(w, i, info.reason, info.message, info.timedOut);
}

function conditionsOf(w: Work, i: number, timedOut: boolean): string[] {
  const raises = w.node(i).step.raises;
  return ['step_failed', ...(timedOut ? ['deployment_timeout'] : []), ...(raises ? [raises] : [])];
}

/**
 * What a final failure stops. `tolerated`: the step (or a group around it) declares
 * `continue_on_error`, its dependents run. `dependents`: the strategy `continue_on_error` or the run
 * option (`--continue-on-error`) works like `make -k`: whatever depends on the failed step (later
 * steps of its sequence included) is skipped as DependencyFailed, everything else goes on.
 * `run`: fail fast, the main steps stop.
 */
function failureStops(w: Work, i: number): 'tolerated' | 'dependents' | 'run' {
  if (w.node(i).continueOnError) return 'tolerated';
  if (w.d.options.continueOnError || w.plan.workflow.errorHandling.strategy === 'continue_on_error')
    return 'dependents';
  return 'run';
}

/** The final failure of a main step or group. */
export function failStep(w: Work, i: number, reason: string, message: string, timedOut = false): void {
  const node = w.node(i);
  const st = w.step(i);
  if (isTerminal(st.phase)) return;
  w.raise(...conditionsOf(w, i, timedOut));
  if (w.d.reason === undefined) {
    w.d.reason = reason === 'Rejected' ? 'Rejected' : 'StepFailed';
    w.d.message = `step '${node.name}' failed: ${message}`;
  }
  if (node.isGroup && st.phase !== 'Running') {
    for (const c of node.children) endSubtree(w, c, 'Skipped', 'GroupFailed');
  }
  if (node.onFailure.length > 0 && w.d.stop?.reason !== 'Cancelled') {
    startActivity(w, {
      purpose: 'on_failure',
      owner: node.name,
      items: namesOf(w, node.onFailure),
      stopOnFailure: false,
    });
  }
  finishNode(w, i, 'Failed', reason, message);
  const stops = failureStops(w, i);
  if (stops === 'run') initiateStop(w, 'StepFailed', i);
  else if (stops === 'dependents') skipDependents(w, i);
}

/** Skips everything that waits on a failed step; none of it can have started yet. */
function skipDependents(w: Work, failed: number): void {
  const message = `its dependency '${w.node(failed).name}' failed`;
  for (const j of dependentsOf(w, failed)) {
    if (w.step(j).phase === 'Pending') endSubtree(w, j, 'Skipped', 'DependencyFailed', message);
  }
}

function mainNodes(w: Work): number[] {
  const all: number[] = [];
  for (let i = 0; i < w.plan.mainNodeCount; i++) all.push(i);
  return all;
}

export function namesOf(w: Work, indices: readonly number[]): string[] {
  return indices.map((j) => w.node(j).name);
}

/** The reason a cancelled attempt or a stopped step ends with. */
export function cancelReason(w: Work): string {
  switch (w.d.stop?.reason) {
    case 'Cancelled':
      return 'Cancelled';
    case 'Stopped':
      return 'Stopped';
    case 'RunTimedOut':
      return 'RunTimedOut';
    case undefined:
      return 'GroupFailed';
    default:
      return 'RunFailed';
  }
}

/** Activities that stand for a step still trying to succeed; stopping abandons them. */
const STEP_ACTIVITIES: readonly AttemptPurpose[] = ['on_retry', 'recovery', 'fallback'];

/**
 * Stops the main steps: nothing new starts, running attempts are cancelled, steps that never started
 * end Skipped (or Cancelled when the user cancelled). Cancellation also stops every hook in flight.
 * A graceful stop (`Stopped`) lets the running attempts finish; a cancel after it stops them too.
 */
export function initiateStop(w: Work, reason: StopReason, failedStep?: number): void {
  const previous = w.d.stop;
  if (previous) {
    if (reason !== 'Cancelled' || previous.reason === 'Cancelled') return;
    w.d.stop = { reason, at: w.now };
    if (previous.reason === 'Stopped') stopNodes(w, mainNodes(w), 'Cancelled', () => 'Cancelled');
    abortActivities(w, undefined, true);
    return;
  }
  w.d.stop =
    failedStep === undefined ? { reason, at: w.now } : { reason, at: w.now, step: w.node(failedStep).name };
  if (reason === 'Stopped') {
    stopNodes(w, mainNodes(w), 'Cancelled', () => 'Stopped', false);
    abortActivities(w, STEP_ACTIVITIES, false);
    return;
  }
  const dependents =
    reason === 'StepFailed' && failedStep !== undefined ? dependentsOf(w, failedStep) : undefined;
  const idlePhase: StepPhase = reason === 'Cancelled' ? 'Cancelled' : 'Skipped';
  const idleReason =
    reason === 'Cancelled'
      ? 'Cancelled'
      : reason === 'PrerequisiteFailed'
        ? 'PrerequisiteFailed'
        : 'RunFailed';
  stopNodes(w, mainNodes(w), idlePhase, (i) => (dependents?.has(i) ? 'DependencyFailed' : idleReason));
  if (reason === 'Cancelled') abortActivities(w, undefined, true);
  else abortActivities(w, [...STEP_ACTIVITIES, 'prerequisite'], reason === 'RunTimedOut');
}

/**
 * Ends the not-yet-started nodes among `nodes`, cancels their running attempts and ends steps
 * waiting for a retry delay. Running groups end on their own when their children have.
 */
export function stopNodes(
  w: Work,
  nodes: readonly number[],
  idlePhase: StepPhase,
  idleReason: (i: number) => string,
  cancelRunning = true,
): void {
  const attemptReason = cancelReason(w);
  for (const i of nodes) {
    const st = w.step(i);
    switch (st.phase) {
      case 'Pending':
      case 'Waiting':
      case 'AwaitingApproval':
        finishNode(w, i, idlePhase, idleReason(i));
        break;
      case 'Retrying':
        // Without a pending delay an on_retry or recovery activity holds the step; aborting it ends the step.
        if (st.nextAttemptAt !== undefined) finishNode(w, i, 'Cancelled', attemptReason);
        break;
      case 'Running':
        if (cancelRunning && st.current !== undefined) requestCancel(w, i, attemptReason);
        break;
      default:
        break;
    }
  }
}

/** Marks activities aborted (all, or those of the given purposes); optionally cancels their attempts. */
export function abortActivities(
  w: Work,
  purposes: readonly AttemptPurpose[] | undefined,
  cancelBusy: boolean,
  owners?: ReadonlySet<string>,
): void {
  for (const a of w.d.activities) {
    if (a.aborted) continue;
    if (purposes && !purposes.includes(a.purpose)) continue;
    if (owners && (a.owner === undefined || !owners.has(a.owner))) continue;
    w.putActivity({ ...a, aborted: true });
    if (!cancelBusy || !a.busy) continue;
    const j = w.plan.byName.get(a.items[a.position] as string);
    if (j === undefined) continue;
    if (w.step(j).current !== undefined) requestCancel(w, j, cancelReason(w));
    // A hook waiting out its retry delay has nothing to cancel: it ends now instead of at the timer.
    else if (w.step(j).phase === 'Retrying') restartHook(w, j);
  }
}

/**
 * Everything that waits, directly or through groups, on the failed step: its successors, their
 * descendants, and the successors of every group that contains one of them.
 */
function dependentsOf(w: Work, failed: number): Set<number> {
  const out = new Set<number>();
  const queue: number[] = [];
  const visit = (i: number): void => {
    for (let a = i; a >= 0; a = w.node(a).parent) {
      for (const s of w.node(a).successors) {
        if (!out.has(s)) {
          out.add(s);
          queue.push(s);
        }
      }
    }
    for (const c of w.node(i).children) {
      if (!out.has(c) && out.has(i)) {
        out.add(c);
        queue.push(c);
      }
    }
  };
  visit(failed);
  while (queue.length > 0) visit(queue.pop() as number);
  return out;
}
