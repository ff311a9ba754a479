// `retry RUN --from STEP`: a new run that starts at a step. Everything the step waits for (its
// predecessors, those of its enclosing groups, and what they in turn wait for or contain) counts as
// done: it ends Skipped with reason `BeforeRetryFrom`, which lets dependents run, and the outputs
// those steps captured in the earlier run are carried over so that later templates still render.
import type { Plan, RunState, StepState } from './types.ts';

export const BEFORE_START_STEP = 'BeforeRetryFrom';

/** The main steps `step` needs before it can start, in plan order. */
export function stepsBefore(plan: Plan, step: number): number[] {
  const done = new Uint8Array(plan.nodes.length);
  const stack: number[] = [];
  for (let g: number = step; g !== -1; g = plan.nodes[g]?.parent ?? -1) {
    stack.push(...(plan.nodes[g]?.predecessors ?? []));
  }
  while (stack.length > 0) {
    const i = stack.pop() as number;
    if (done[i] === 1) continue;
    done[i] = 1;
    const node = plan.nodes[i];
    if (node) stack.push(...node.predecessors, ...node.children);
  }
  const before: number[] = [];
  for (let i = 0; i < plan.mainNodeCount; i++) if (done[i] === 1) before.push(i);
  return before;
}

/**
 * Marks what `step` needs as done in a fresh state, with the outputs `previous` captured for them.
 * Returns undefined when `step` is not a main step of the plan.
 */
export function startFromStep(
  plan: Plan,
  fresh: RunState,
  previous: RunState,
  step: string,
): RunState | undefined {
  const index = plan.byName.get(step);
  if (index === undefined || index >= plan.mainNodeCount) return undefined;
  const before = stepsBefore(plan, index);
  const steps = [...fresh.steps];
  const outputs: Record<string, string> = { ...fresh.outputs };
  for (const i of before) {
    const st = steps[i] as StepState;
    steps[i] = {
      ...st,
      phase: 'Skipped',
      reason: BEFORE_START_STEP,
      message: `before ${step}, where run ${fresh.runId} starts (retry of ${previous.runId})`,
    };
    const name = plan.nodes[i]?.step.captureOutput;
    const value = name === undefined ? undefined : previous.outputs[name];
    if (name !== undefined && value !== undefined) outputs[name] = value;
  }
  return { ...fresh, steps, outputs };
}
