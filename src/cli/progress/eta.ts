// An estimate of the time a run has left, from how long each step took in earlier runs of the same
// workflow and how much those runs overlapped their steps.
import type { Plan, RunState } from '../../engine/types.ts';
import { TERMINAL_STEP_PHASES } from '../../engine/types.ts';

export interface StepHistory {
  /** Mean duration in ms of each step that finished in earlier runs. */
  readonly meanMs: ReadonlyMap<string, number>;
  /** Sum of step time divided by wall time in earlier runs (≥ 1). */
  readonly overlap: number;
}

export function learnHistory(previous: readonly RunState[]): StepHistory {
  const totals = new Map<string, { sum: number; n: number }>();
  let stepTime = 0;
  let wallTime = 0;
  for (const run of previous) {
    if (run.startedAt === undefined || run.finishedAt === undefined) continue;
    let runStepTime = 0;
    for (const s of run.steps) {
      if (s.phase !== 'Succeeded' || s.startedAt === undefined || s.finishedAt === undefined) continue;
      const d = s.finishedAt - s.startedAt;
      const t = totals.get(s.name) ?? { sum: 0, n: 0 };
      totals.set(s.name, { sum: t.sum + d, n: t.n + 1 });
      runStepTime += d;
    }
    stepTime += runStepTime;
    wallTime += run.finishedAt - run.startedAt;
  }
  const meanMs = new Map([...totals].map(([k, v]) => [k, v.sum / v.n]));
  return { meanMs, overlap: wallTime > 0 ? Math.max(1, stepTime / wallTime) : 1 };
}

/** Milliseconds left, or undefined when no earlier run knows these steps. */
export function estimateRemaining(
  plan: Plan,
  state: RunState,
  history: StepHistory,
  now: number,
): number | undefined {
  if (history.meanMs.size === 0) return undefined;
  let left = 0;
  let known = 0;
  for (const node of plan.nodes) {
    if (node.role !== 'main' || node.isGroup) continue;
    const s = state.steps[node.index];
    if (!s || TERMINAL_STEP_PHASES.includes(s.phase)) continue;
    const mean = history.meanMs.get(node.name);
    if (mean === undefined) continue;
    known++;
    const elapsed = s.phase === 'Running' && s.startedAt !== undefined ? now - s.startedAt : 0;
    left += Math.max(0, mean - elapsed);
  }
  return known === 0 ? undefined : left / history.overlap;
}
