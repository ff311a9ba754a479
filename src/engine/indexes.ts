// Rebuilds the derived indexes from a state alone (a state loaded from disk or from a cluster), and
// caches them between calls so that a run driven call after call never pays for a rebuild.
import { addUsage } from './budgets.ts';
import { isTerminal, newIndexes } from './work.ts';
import type { Indexes } from './work.ts';
import type { Plan, PlanNode, RunState, StepState } from './types.ts';

const cache = new WeakMap<RunState, Indexes>();

/** Takes the indexes that belong to `state` (moving them out of the cache), or rebuilds them. */
export function takeIndexes(plan: Plan, state: RunState): Indexes {
  const cached = cache.get(state);
  if (cached) {
    cache.delete(state);
    return cached;
  }
  return buildIndexes(plan, state);
}

export function keepIndexes(state: RunState, ix: Indexes): void {
  cache.set(state, ix);
}

export function buildIndexes(plan: Plan, state: RunState): Indexes {
  if (state.steps.length !== plan.nodes.length) {
    throw new Error(`run state has ${state.steps.length} steps but the plan has ${plan.nodes.length}`);
  }
  const ix = newIndexes(plan);
  const steps = state.steps;
  const phaseOf = (i: number): StepState['phase'] => (steps[i] as StepState).phase;
  const rootsOpen = state.phase !== 'Pending' && state.stage !== 'prerequisites';
  for (let i = 0; i < plan.mainNodeCount; i++) {
    const node = plan.nodes[i] as PlanNode;
    const st = steps[i] as StepState;
    const phase = st.phase;
    if (!isTerminal(phase)) {
      ix.nonTerminal++;
      let blockers = 0;
      for (const p of node.predecessors) if (!isTerminal(phaseOf(p))) blockers++;
      const gateOpen = node.parent === -1 ? rootsOpen : phaseOf(node.parent) === 'Running';
      ix.blockers[i] = blockers + (gateOpen ? 0 : 1);
      if (phase === 'Pending' && ix.blockers[i] === 0) ix.readyQueue.push(i);
    }
    if (phase === 'Waiting') ix.waiting++;
    else if (phase === 'AwaitingApproval') ix.awaiting++;
    else if (phase === 'Retrying') ix.retrying++;
    else if (phase === 'Failed') ix.failed++;
    if (node.isGroup) {
      let open = 0;
      for (const c of node.children) if (!isTerminal(phaseOf(c))) open++;
      ix.openChildren[i] = open;
      continue;
    }
    if (phase === 'Waiting') ix.ready.push(i);
    if (phase === 'Running' && st.current !== undefined && currentPurpose(st) === 'main')
      addUsage(ix, plan, i, 1);
  }
  for (let i = 0; i < plan.nodes.length; i++) {
    const st = steps[i] as StepState;
    if (st.phase === 'Retrying' && st.nextAttemptAt !== undefined) {
      ix.timers.push({ at: st.nextAttemptAt, kind: 'retry', node: i });
    }
  }
  for (const [name, record] of Object.entries(state.approvals)) {
    const i = plan.byName.get(name);
    if (i !== undefined && record.expiresAt !== undefined && phaseOf(i) === 'AwaitingApproval') {
      ix.timers.push({ at: record.expiresAt, kind: 'approval', node: i });
    }
  }
  if (state.deadline !== undefined && (state.stage === 'prerequisites' || state.stage === 'steps')) {
    ix.timers.push({ at: state.deadline, kind: 'deadline', node: -1 });
  }
  return ix;
}

export function currentPurpose(st: StepState): string | undefined {
  const last = st.history[st.history.length - 1];
  return last !== undefined && last.attempt === st.current ? last.purpose : undefined;
}
