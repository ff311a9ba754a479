// Lifecycle primitives of main steps: ending a node and telling its dependents and its group,
// ending whole subtrees, releasing gates, and starting a group or queueing a leaf. What an end sets
// in motion is queued, never called from here: freed dependents go to the ready queue and a group
// whose children have all ended goes to `groupsToConclude`; settle() drains both (decide.ts).
import { isTerminal } from './work.ts';
import type { Work } from './work.ts';
import type { StepPhase, StepState } from './types.ts';

/** Ends a node and tells its dependents and its group. A no-op on a node that already ended. */
export function finishNode(
  w: Work,
  i: number,
  phase: StepPhase,
  reason?: string,
  message?: string,
  extra: Partial<StepState> = {},
): void {
  const before = w.step(i);
  if (isTerminal(before.phase)) return;
  const main = w.isMain(i);
  w.patchStep(i, {
    phase,
    reason,
    message,
    finishedAt: w.now,
    nextAttemptAt: undefined,
    completedSeq: main ? ++w.d.seq : undefined,
    ...extra,
  });
  if (!main) return;
  announce(w, i, phase, reason, message, before.startedAt !== undefined);
  const node = w.node(i);
  const ix = w.ix;
  for (const s of node.successors) {
    const left = (ix.blockers[s] as number) - 1;
    ix.blockers[s] = left;
    if (left === 0 && w.step(s).phase === 'Pending') w.enqueueReady(s);
  }
  const p = node.parent;
  if (p >= 0) {
    ix.openChildren[p] = (ix.openChildren[p] as number) - 1;
    if (ix.openChildren[p] === 0 && w.step(p).phase === 'Running') w.enqueueGroupEnd(p);
  }
}

function announce(
  w: Work,
  i: number,
  phase: StepPhase,
  reason: string | undefined,
  message: string | undefined,
  started: boolean,
): void {
  const name = w.node(i).name;
  switch (phase) {
    case 'Succeeded':
      w.event('step_succeeded', 'info', `step '${name}' succeeded`, name);
      break;
    case 'Failed':
      w.event(
        'step_failed',
        'error',
        `step '${name}' failed: ${message ?? reason ?? 'unknown reason'}`,
        name,
      );
      break;
    case 'FellBack':
      w.event('step_fell_back', 'warning', `step '${name}' was replaced by its fallback`, name);
      break;
    case 'Skipped':
      if (reason === 'ConditionFalse')
        w.event('step_skipped', 'info', `step '${name}' skipped: its condition is false`, name);
      break;
    case 'Cancelled':
      if (started)
        w.event('step_cancelled', 'warning', `step '${name}' was cancelled (${reason ?? 'Cancelled'})`, name);
      break;
    default:
      break;
  }
}

/** Ends a node and everything beneath it that has not ended, children before their group. */
export function endSubtree(w: Work, root: number, phase: StepPhase, reason: string, message?: string): void {
  const order: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const i = stack.pop() as number;
    if (isTerminal(w.step(i).phase)) continue;
    order.push(i);
    for (const c of w.node(i).children) stack.push(c);
  }
  for (let k = order.length - 1; k >= 0; k--)
    finishNode(w, order[k] as number, phase, reason, k === 0 ? message : undefined);
}

/** The run entered its main stage: the top-level steps lose their stage gate. */
export function releaseRoots(w: Work): void {
  for (const r of w.plan.roots) release(w, r);
}

function release(w: Work, i: number): void {
  const left = (w.ix.blockers[i] as number) - 1;
  w.ix.blockers[i] = left;
  if (left === 0 && w.step(i).phase === 'Pending') w.enqueueReady(i);
}

/** Starts a group (its children lose their gate) or queues a leaf for the scheduler. */
export function proceed(w: Work, i: number): void {
  const node = w.node(i);
  if (node.isGroup) {
    w.patchStep(i, { phase: 'Running', startedAt: w.now });
    for (const c of node.children) release(w, c);
    // Empty, or every child already ended (a resumed run keeps what succeeded).
    if (w.ix.openChildren[i] === 0) w.enqueueGroupEnd(i);
    return;
  }
  w.patchStep(i, { phase: 'Waiting' });
  w.ix.ready.push(i);
}
