// Whether a run can be rolled back by hand, as the engine judges a rollback request
// (engine/stages.ts requestManualRollback): once the run has finished without succeeding, when the
// workflow has rollback steps, and only once. Undefined when it can; otherwise why not.
import type { Plan, RunState } from '../engine/types.ts';

export function whyNoRollback(plan: Plan, state: RunState): string | undefined {
  if (state.stage !== 'done' && state.stage !== 'manual_rollback')
    return `run ${state.runId} is still ${state.phase}: a rollback can start once it has finished`;
  if (state.rollback?.trigger === 'manual')
    return `run ${state.runId} was already rolled back by hand (${state.rollback.phase})`;
  if (state.phase === 'Succeeded')
    return `run ${state.runId} succeeded: only a failed or cancelled run can be rolled back`;
  if (plan.rollback.length === 0) return `workflow ${plan.workflow.name} has no rollback steps`;
  return undefined;
}
