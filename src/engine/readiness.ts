// How main steps become ready and how their ends propagate: predecessor counters, group gates,
// `when` conditions, skipping whole subtrees, and the hand-off to approval gates and the ready queue.
import { openGate } from './approvals.ts';
import { atomicChildFailed, groupChildrenDone } from './groups.ts';
import { failStep } from './failure.ts';
import { evaluateCondition } from './render.ts';
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
    if (phase === 'Failed' && node.atomicGroup >= 0) atomicChildFailed(w, node.atomicGroup);
    // Re-read: stopping an atomic group may have ended the siblings (and the group) meanwhile.
    if (ix.openChildren[p] === 0 && w.step(p).phase === 'Running') groupChildrenDone(w, p);
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

/** Considers every node whose last blocker went away. */
export function processReadyQueue(w: Work): void {
  const ix = w.ix;
  while (ix.readyHead < ix.readyQueue.length) {
    const i = ix.readyQueue[ix.readyHead++] as number;
    if (w.d.stop || w.step(i).phase !== 'Pending' || ix.blockers[i] !== 0) continue;
    becomeReady(w, i);
  }
  ix.readyQueue.length = 0;
  ix.readyHead = 0;
}

/** Dependencies are met: decide on the condition, then the approval gate, then start or queue. */
function becomeReady(w: Work, i: number): void {
  const step = w.node(i).step;
  if (step.when !== undefined) {
    const verdict = evaluateCondition(w.plan, step.when, w.templateData());
    if (!verdict.ok) {
      endChildren(w, i, 'Skipped', 'GroupFailed');
      failStep(w, i, 'ConditionError', `cannot evaluate the condition: ${verdict.message}`);
      return;
    }
    if (!verdict.value) {
      endSubtree(w, i, 'Skipped', 'ConditionFalse');
      return;
    }
  }
  if (step.manualApproval && openGate(w, i) !== 'open') return;
  proceed(w, i);
}

function endChildren(w: Work, g: number, phase: StepPhase, reason: string): void {
  for (const c of w.node(g).children) endSubtree(w, c, phase, reason);
}

/** Starts a group (its children lose their gate) or queues a leaf for the scheduler. */
export function proceed(w: Work, i: number): void {
  const node = w.node(i);
  if (node.isGroup) {
    w.patchStep(i, { phase: 'Running', startedAt: w.now });
    for (const c of node.children) release(w, c);
    // Empty, or every child already ended (a resumed run keeps what succeeded).
    if (w.ix.openChildren[i] === 0) groupChildrenDone(w, i);
    return;
  }
  w.patchStep(i, { phase: 'Waiting' });
  w.ix.ready.push(i);
}
