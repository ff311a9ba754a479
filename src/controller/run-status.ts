// Builds WorkflowRun.status from the engine's state: phase, progress, one compact entry per step,
// outputs, approvals (who may approve, who did), and the encoded engine state. The only place that
// decides what status looks like; status-writer.ts is the only place that writes it.
import { summarizeProgress } from '../engine/index.ts';
import type { Plan, RunState } from '../engine/types.ts';
import { jobName } from '../executors/kubernetes/names.ts';
import { encodeEngineState } from './engine-state-codec.ts';
import type { EncodedEngineState } from './engine-state-codec.ts';
import type { Condition } from './run-conditions.ts';

export interface StepStatus {
  readonly phase: string;
  readonly attempts?: number;
  readonly job?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly exitCode?: number;
  readonly reason?: string;
  readonly message?: string;
}

export interface DecisionStatus {
  readonly decision: string;
  readonly comment?: string;
  readonly at: string;
  readonly counted: boolean;
  /** The run whose approval carried over (`resumeFrom`, same definition). */
  readonly inheritedFrom?: string;
  /** Withdrawn after it was used: it still explains why the step ran. */
  readonly withdrawn?: boolean;
}

export interface ApprovalStatus {
  readonly users: readonly string[];
  readonly groups: readonly string[];
  readonly required: number;
  readonly allowSelfApproval: boolean;
  readonly requestedAt?: string;
  readonly outcome?: string;
  /** The digest of the step definition that decisions are given for (engine/approval-digest.ts). */
  readonly digest?: string;
  readonly decided?: Record<string, DecisionStatus>;
}

export interface RunStatus {
  phase: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
  conditions: Condition[];
  startedAt?: string;
  finishedAt?: string;
  creator?: string;
  workflowName?: string;
  pinnedWorkflow?: string;
  progress?: { done: number; total: number; percent: number; summary: string };
  steps?: Record<string, StepStatus>;
  /** Steps left out of `steps` in a large run (succeeded at the first try, or not started). */
  stepsOmitted?: number;
  outputs?: Record<string, string>;
  approvals?: Record<string, ApprovalStatus>;
  engine?: EncodedEngineState;
}

/** Above this many steps, status.steps lists only the steps that did not simply succeed. */
export const LARGE_RUN_STEPS = 500;

const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function buildRunStatus(
  plan: Plan,
  state: RunState,
  runName: string,
): Omit<RunStatus, 'conditions' | 'observedGeneration'> {
  const steps: Record<string, StepStatus> = {};
  // A large run lists only the steps worth a look (not succeeded, or retried): a finished
  // 5,000-step run would otherwise fill most of the 1.5 MiB an object may have, managedFields included.
  const large = plan.mainNodeCount > LARGE_RUN_STEPS;
  let omitted = 0;
  for (const node of plan.nodes) {
    const s = state.steps[node.index];
    if (!s) continue;
    // Hooks and actions that never ran would only add noise (and bytes) to the object.
    if (node.role !== 'main' && s.history.length === 0) continue;
    if (large && ['Succeeded', 'Pending', 'Skipped'].includes(s.phase) && s.history.length <= 1) {
      omitted++;
      continue;
    }
    const last = s.history[s.history.length - 1];
    steps[node.name] = compact({
      phase: s.phase,
      attempts: s.history.length || undefined,
      job: last && !node.isGroup ? jobName(runName, node.name, last.attempt) : undefined,
      startedAt: iso(s.startedAt),
      finishedAt: iso(s.finishedAt),
      exitCode: s.exitCode ?? undefined,
      reason: s.reason,
      message: s.message,
    });
  }
  const approvals: Record<string, ApprovalStatus> = {};
  for (const node of plan.nodes) {
    if (!node.step.manualApproval) continue;
    const a = node.step.approval;
    const record = state.approvals[node.name];
    const decided = record
      ? Object.fromEntries(
          Object.entries(record.decisions).map(([user, d]) => [
            user,
            compact({
              decision: d.decision,
              comment: d.comment,
              at: new Date(d.at).toISOString(),
              counted: d.counted,
              inheritedFrom: d.inheritedFrom,
              withdrawn: d.withdrawnAfterUse,
            }),
          ]),
        )
      : undefined;
    approvals[node.name] = compact({
      users: a?.users ?? [],
      groups: a?.groups ?? [],
      required: a?.required ?? 1,
      allowSelfApproval: a?.allowSelfApproval ?? false,
      requestedAt: iso(record?.requestedAt),
      digest: record?.digest,
      outcome: record?.outcome,
      decided: decided && Object.keys(decided).length > 0 ? decided : undefined,
    });
  }
  const p = summarizeProgress(plan, state);
  return compact({
    phase: state.phase,
    reason: state.reason,
    message: state.message,
    startedAt: iso(state.startedAt),
    finishedAt: iso(state.finishedAt),
    creator: state.creator || undefined,
    progress: { done: p.done, total: p.total, percent: p.percent, summary: `${p.done}/${p.total}` },
    steps,
    stepsOmitted: omitted || undefined,
    outputs: Object.keys(state.outputs).length ? { ...state.outputs } : undefined,
    approvals: Object.keys(approvals).length ? approvals : undefined,
    engine: encodeEngineState(state),
  });
}
