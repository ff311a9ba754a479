// Stopping steps: the run's stop (fail fast, cancellation, run timeout, a failed prerequisite), the
// rest of an atomic group after one of its steps failed, the dependents of a failed step under
// continue_on_error, and the reasons they end with.
import { requestCancel } from './attempts.ts';
import { restartHook, startActivity } from './activities.ts';
import { endSubtree, finishNode } from './lifecycle.ts';
import { isTerminal } from './work.ts';
import type { Work } from './work.ts';
import type { AttemptPurpose, StepPhase, StopReason } from './types.ts';

const FAILING = 'ChildFailed';

/**
 * Ends a node Failed: its on_failure hooks start (unless the user cancelled the run), and inside an
 * atomic group the rest of the group stops at once.
 */
export function failNode(w: Work, i: number, reason: string, message: string): void {
  const node = w.node(i);
  if (isTerminal(w.step(i).phase)) return;
  if (node.onFailure.length > 0 && w.d.stop?.reason !== 'Cancelled') {
    startActivity(w, {
      purpose: 'on_failure',
      owner: node.name,
      items: namesOf(w, node.onFailure),
      stopOnFailure: false,
    });
  }
  finishNode(w, i, 'Failed', reason, message);
  const g = node.atomicGroup;
  if (g >= 0 && w.isMain(i)) atomicChildFailed(w, g);
}

/** A step inside atomic group `g` failed: the rest of the group stops (once). */
function atomicChildFailed(w: Work, g: number): void {
  const st = w.step(g);
  if (isTerminal(st.phase) || st.reason === FAILING) return;
  w.patchStep(g, { reason: FAILING });
  const inside: number[] = [];
  const owners = new Set<string>();
  const stack = [...w.node(g).children];
  while (stack.length > 0) {
    const i = stack.pop() as number;
    inside.push(i);
    owners.add(w.node(i).name);
    stack.push(...w.node(i).children);
  }
  inside.sort((a, b) => a - b);
  stopNodes(w, inside, 'Skipped', () => 'GroupFailed');
  abortActivities(w, ['on_retry', 'recovery', 'fallback'], false, owners);
}

/** Skips everything that waits on a failed step; none of it can have started yet. */
export function skipDependents(w: Work, failed: number): void {
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
