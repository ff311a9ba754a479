// How a group ends: succeeded when all its children did, otherwise failed or cancelled; an atomic
// group first stops its other children and undoes the succeeded ones (a saga, newest first).
import { ownerOf, startActivity } from './activities.ts';
import { finishNode } from './lifecycle.ts';
import { BEFORE_START_STEP } from './start-from.ts';
import { failNode } from './stopping.ts';
import { isTerminal } from './work.ts';
import type { Work } from './work.ts';
import type { Activity } from './types.ts';

/** Concludes the groups whose children have all ended, in order; concluding one may queue its parent. */
export function concludeGroups(w: Work): void {
  const queue = w.groupsToConclude;
  for (let k = 0; k < queue.length; k++) groupChildrenDone(w, queue[k] as number);
  queue.length = 0;
}

/** All children of a running group have ended. */
function groupChildrenDone(w: Work, g: number): void {
  const st = w.step(g);
  if (st.phase !== 'Running' || w.activity(undoId(w, g))) return;
  const node = w.node(g);
  let allOk = true;
  for (const c of node.children) {
    const child = w.step(c);
    const ok =
      child.phase === 'Succeeded' ||
      child.phase === 'FellBack' ||
      (child.phase === 'Skipped' &&
        (child.reason === 'ConditionFalse' || child.reason === BEFORE_START_STEP));
    if (!ok) allOk = false;
  }
  if (allOk) {
    finishNode(w, g, 'Succeeded');
    return;
  }
  if (node.step.atomic && w.d.stop?.reason !== 'Cancelled') {
    const items = undoCandidates(w, g);
    if (items.length > 0) {
      startActivity(w, { id: undoId(w, g), purpose: 'undo', owner: node.name, items, stopOnFailure: false });
      return;
    }
  }
  concludeGroupFailure(w, g);
}

function undoId(w: Work, g: number): string {
  return `undo:${w.node(g).name}`;
}

/** Succeeded leaves under the group with a `rollback` command, most recently completed first. */
function undoCandidates(w: Work, g: number): string[] {
  const found: { name: string; seq: number }[] = [];
  const stack = [...w.node(g).children];
  while (stack.length > 0) {
    const i = stack.pop() as number;
    const node = w.node(i);
    stack.push(...node.children);
    const st = w.step(i);
    if (!node.isGroup && st.phase === 'Succeeded' && node.step.rollbackCommand && st.undone === undefined) {
      found.push({ name: node.name, seq: st.completedSeq ?? 0 });
    }
  }
  return found.sort((a, b) => b.seq - a.seq).map((f) => f.name);
}

/** The undo of an atomic group is through. */
export function undoDone(w: Work, a: Activity): void {
  concludeGroupFailure(w, ownerOf(w, a));
}

/** After any undo: the group ends Failed when a child failed, else Cancelled. */
function concludeGroupFailure(w: Work, g: number): void {
  const node = w.node(g);
  if (isTerminal(w.step(g).phase)) return;
  const failedChild = node.children.find((c) => w.step(c).phase === 'Failed');
  if (failedChild === undefined) {
    finishNode(
      w,
      g,
      'Cancelled',
      w.d.stop
        ? w.d.stop.reason === 'Cancelled' || w.d.stop.reason === 'Stopped'
          ? w.d.stop.reason
          : 'RunFailed'
        : 'GroupFailed',
    );
    return;
  }
  // The leaf that failed already raised step_failed and decided about the run; the group adds its own name.
  w.raise(node.step.raises);
  failNode(w, g, 'ChildFailed', `step '${w.node(failedChild).name}' failed`);
}
