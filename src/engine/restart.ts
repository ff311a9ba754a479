// The start action of an attempt the engine already started, for an executor that lost it (a
// controller that died after deciding but before creating the Job). Rendering uses the state as it
// is, which holds the same inputs the first start saw: outputs only ever grow.
import { renderAttempt, startAction } from './attempts.ts';
import { buildIndexes } from './indexes.ts';
import type { Plan, RunState, StartAttemptAction } from './types.ts';
import { Work } from './work.ts';

export function restartAction(
  plan: Plan,
  state: RunState,
  step: string,
  attempt: number,
): StartAttemptAction | undefined {
  const i = plan.byName.get(step);
  if (i === undefined) return undefined;
  const record = state.steps[i]?.history.find((h) => h.attempt === attempt);
  if (!record || record.outcome !== undefined) return undefined;
  const w = new Work(plan, state, record.requestedAt, buildIndexes(plan, state));
  const rendered = renderAttempt(w, i, record.purpose);
  if (!rendered.ok) return undefined;
  return startAction(plan.nodes[i]!, attempt, record.purpose, rendered.value);
}
