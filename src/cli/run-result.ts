// The one JSON document `--output json` prints when a run ends: stable keys that scripts rely on.
import type { Plan, RunState } from '../engine/types.ts';
import type { FailureTail } from './failure-output.ts';

export interface RunResultStep {
  readonly phase: string;
  readonly attempts: number;
  readonly exit_code: number | null;
  readonly reason: string | null;
  readonly started_at: string | null;
  readonly finished_at: string | null;
  /** Failed steps: the last lines of the last attempt's output, newline-separated; else null. */
  readonly output_tail: string | null;
  /** Failed steps: the command that prints all of their output; else null. */
  readonly logs_command: string | null;
}

export interface RunResult {
  readonly run_id: string;
  readonly workflow: string;
  readonly phase: string;
  /** A step was replaced by its fallback (the run's Degraded condition; exit code 4). */
  readonly degraded: boolean;
  readonly reason: string | null;
  readonly started_at: string | null;
  readonly finished_at: string | null;
  readonly steps: Record<string, RunResultStep>;
  readonly outputs: Record<string, string>;
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

export function runResult(
  plan: Plan,
  state: RunState,
  tails: ReadonlyMap<string, FailureTail> = new Map(),
): RunResult {
  const steps: Record<string, RunResultStep> = {};
  for (const node of plan.nodes) {
    const s = state.steps[node.index];
    if (!s) continue;
    // Hooks and actions that never ran are noise in a result; main steps are always listed.
    if (node.role !== 'main' && s.history.length === 0) continue;
    steps[node.name] = {
      phase: s.phase,
      attempts: s.history.length,
      exit_code: s.exitCode ?? null,
      reason: s.reason ?? null,
      started_at: iso(s.startedAt),
      finished_at: iso(s.finishedAt),
      output_tail: tails.get(node.name)?.lines.join('\n') ?? null,
      logs_command: tails.get(node.name)?.logsCommand ?? null,
    };
  }
  return {
    run_id: state.runId,
    workflow: state.workflow,
    phase: state.phase,
    degraded: state.degraded,
    reason: state.reason ?? null,
    // When the run was first started, as `history` says: a resume does not move it.
    started_at: iso(state.createdAt),
    finished_at: iso(state.finishedAt),
    steps,
    outputs: { ...state.outputs },
  };
}
