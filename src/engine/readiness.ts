// How a main step whose blockers are gone moves on: its `when` condition (false skips the whole
// subtree), then its approval gate, then the start of a group or the scheduler's queue for a leaf.
import { openGate } from './approvals.ts';
import { failStep } from './failure.ts';
import { endSubtree, proceed } from './lifecycle.ts';
import { evaluateCondition } from './render.ts';
import type { Work } from './work.ts';
import type { StepPhase } from './types.ts';

/**
 * Considers the next node in the ready queue (one whose last blocker went away); false when the
 * queue is empty. One at a time, so settle() can conclude the groups each one ends in between.
 */
export function considerNextReady(w: Work): boolean {
  const ix = w.ix;
  if (ix.readyHead >= ix.readyQueue.length) {
    ix.readyQueue.length = 0;
    ix.readyHead = 0;
    return false;
  }
  const i = ix.readyQueue[ix.readyHead++] as number;
  if (!w.d.stop && w.step(i).phase === 'Pending' && ix.blockers[i] === 0) becomeReady(w, i);
  return true;
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
