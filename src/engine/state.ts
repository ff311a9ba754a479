// A new run's state: every plan node Pending, limits after run options, breakers from the last run.
import { DEFAULT_MAX_OUTPUT_BYTES } from './attempts.ts';
import type { CreateRunInputs, EffectiveLimits, Plan, RunOptions, RunState, StepState } from './types.ts';
import { RUN_STATE_SCHEMA_VERSION } from './types.ts';

export function createRunState(plan: Plan, inputs: CreateRunInputs, now: number): RunState {
  const options = inputs.options ?? {};
  return {
    schemaVersion: RUN_STATE_SCHEMA_VERSION,
    runId: inputs.runId,
    workflow: plan.workflow.name,
    phase: 'Pending',
    stage: 'prerequisites',
    creator: inputs.creator ?? '',
    createdAt: now,
    options: runOptions(options),
    limits: effectiveLimits(plan, options),
    context: inputs.context,
    steps: plan.nodes.map((n): StepState => ({
      name: n.name,
      phase: 'Pending',
      tries: 0,
      extraTries: 0,
      lastAttempt: 0,
      history: [],
    })),
    outputs: {},
    raised: [],
    degraded: false,
    activities: [],
    breakers: { ...(inputs.breakers ?? {}) },
    breakerTrials: {},
    approvals: {},
    failedHooks: [],
    seq: 0,
  };
}

export function runOptions(options: RunOptions): RunState['options'] {
  return {
    continueOnError: options.continueOnError ?? false,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
  };
}

/** `--parallel` lowers `max_parallel`, never raises it. */
export function effectiveLimits(plan: Plan, options: RunOptions): EffectiveLimits {
  const wl = plan.workflow.resourceLimits;
  const candidates = [wl?.maxParallel, options.maxParallel].filter((n): n is number => n !== undefined);
  return {
    // At least one: a limit of zero would wait forever (validation rejects it; the engine stays safe).
    ...(candidates.length > 0 ? { maxParallel: Math.max(1, Math.min(...candidates)) } : {}),
    ...(wl?.cpuMillis !== undefined ? { cpuMillis: wl.cpuMillis } : {}),
    ...(wl?.memoryBytes !== undefined ? { memoryBytes: wl.memoryBytes } : {}),
  };
}

export function isRunFinished(state: RunState): boolean {
  return state.stage === 'done';
}
