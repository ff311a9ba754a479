// Runs a workflow through the engine and the fake executor in one call, with lookups for assertions.
import { buildPlan } from '../../../../src/engine/plan.ts';
import { createRunState } from '../../../../src/engine/state.ts';
import type { CreateRunInputs, Plan, RunState, StepState } from '../../../../src/engine/types.ts';
import type { Workflow } from '../../../../src/spec/model.ts';
import { simulate } from './simulator.ts';
import type { AttemptLog, SimOptions, SimResult } from './simulator.ts';

export interface RunResult extends SimResult {
  readonly plan: Plan;
  step(name: string): StepState;
  /** The main attempt of a step (the nth, 0-based). */
  main(name: string, nth?: number): AttemptLog;
}

export function newRun(wf: Workflow, inputs: Partial<CreateRunInputs> = {}): { plan: Plan; state: RunState } {
  const plan = buildPlan(wf);
  const state = createRunState(plan, { runId: 'run-1', context: {}, ...inputs }, 0);
  return { plan, state };
}

export function run(wf: Workflow, sim: SimOptions = {}, inputs: Partial<CreateRunInputs> = {}): RunResult {
  const { plan, state } = newRun(wf, inputs);
  return withLookups(plan, simulate(plan, state, { checkIdempotent: true, ...sim }));
}

export function withLookups(plan: Plan, result: SimResult): RunResult {
  return {
    ...result,
    plan,
    step: (name) => stepOf(plan, result.state, name),
    main: (name, nth = 0) => {
      const found = result.attempts.filter((a) => a.step === name && a.purpose === 'main')[nth];
      if (!found) throw new Error(`no main attempt #${nth} of '${name}'`);
      return found;
    },
  };
}

export function stepOf(plan: Plan, state: RunState, name: string): StepState {
  const i = plan.byName.get(name);
  if (i === undefined) throw new Error(`no step '${name}'`);
  return state.steps[i] as StepState;
}

export function phases(plan: Plan, state: RunState, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    names.map((n) => {
      const st = stepOf(plan, state, n);
      return [n, st.reason && st.phase !== 'Succeeded' ? `${st.phase}:${st.reason}` : st.phase];
    }),
  );
}
