// The one author of WorkflowRun.status: `summariseRun` builds the whole status (phase, progress, one
// compact entry per step, outputs, approvals, alerts, notifications, the encoded engine state and the
// conditions) from the results of a reconcile's steps, and `summariseProblem` the status of a run the
// controller cannot run. `recordedStatus` reads back what an earlier reconcile wrote.
import { summarizeProgress } from '../engine/index.ts';
import type { Plan, RunState } from '../engine/types.ts';
import { jobName } from '../executors/kubernetes/names.ts';
import { encodeEngineState } from './engine-state-codec.ts';
import type { EncodedEngineState } from './engine-state-codec.ts';
import type { Acted, Loaded, Observed, RunProblem } from './reconcile-context.ts';
import type { WorkflowRunObject } from './resources.ts';
import { runConditions } from './run-conditions.ts';
import type { Condition } from './conditions.ts';
import type { RunSituation } from './run-conditions.ts';
import type { ObservedStatus } from './run-observer.ts';

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

export interface RunStatus extends ObservedStatus {
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
  pinnedDigest?: string;
  progress?: { done: number; total: number; percent: number; summary: string };
  steps?: Record<string, StepStatus>;
  /** Steps left out of `steps` in a large run (succeeded at the first try, or not started). */
  stepsOmitted?: number;
  outputs?: Record<string, string>;
  approvals?: Record<string, ApprovalStatus>;
  /** Jobs the API server refused for now (a quota): created again under the same names. */
  jobsOwed?: string[];
  engine?: EncodedEngineState;
}

/** What the controller reads back from the status an earlier reconcile wrote. */
export interface RecordedStatus {
  readonly phase?: string;
  readonly conditions?: Condition[];
  readonly pinnedWorkflow?: string;
  readonly pinnedDigest?: string;
  readonly workflowName?: string;
  readonly engine?: unknown;
  readonly jobsOwed?: string[];
}

export function recordedStatus(run: WorkflowRunObject): RecordedStatus {
  return (run.status ?? {}) as RecordedStatus;
}

/** The results of one reconcile of a running run, as the steps of reconcile-run.ts returned them. */
export interface RunResults {
  readonly run: WorkflowRunObject;
  readonly loaded: Loaded;
  readonly observed: Observed;
  readonly acted: Acted;
  /** The engine's state after this reconcile's decisions. */
  readonly state: RunState;
  /** What the run observer recorded (fired alerts, notification results). */
  readonly reported?: ObservedStatus;
  readonly now: number;
}

/** The whole status of a run from the results of its reconcile. */
export function summariseRun(r: RunResults): RunStatus {
  const { run, loaded, state, acted } = r;
  return {
    ...stateStatus(loaded.plan, state, run.metadata.name),
    ...(r.reported?.alerts !== undefined ? { alerts: r.reported.alerts } : {}),
    ...(r.reported?.notifications !== undefined ? { notifications: r.reported.notifications } : {}),
    workflowName: loaded.workflow,
    pinnedWorkflow: loaded.pinned,
    ...(loaded.pinnedDigest !== undefined ? { pinnedDigest: loaded.pinnedDigest } : {}),
    ...(acted.jobsOwed.length > 0 ? { jobsOwed: [...acted.jobsOwed] } : {}),
    ...(run.metadata.generation !== undefined ? { observedGeneration: run.metadata.generation } : {}),
    conditions: runConditions(
      situation(r),
      run.metadata.generation,
      recordedStatus(run).conditions ?? [],
      new Date(r.now),
    ),
  };
}

function situation({ state, acted, observed }: RunResults): RunSituation {
  const waitingOn = acted.wait ?? observed.stuck;
  return {
    phase: state.phase,
    reason: state.reason,
    message: state.message,
    degraded: state.degraded,
    awaiting: state.steps.filter((s) => s.phase === 'AwaitingApproval').map((s) => s.name),
    ...(waitingOn ? { waitingOn } : {}),
  };
}

/**
 * The status of a run the controller cannot run (a merge patch of the fields it changes), or
 * undefined when its status says so already: writing it again would only wake every watcher.
 */
export function summariseProblem(
  run: WorkflowRunObject,
  problem: RunProblem,
  now: number,
): { readonly phase: string; readonly status?: Record<string, unknown> } {
  const recorded = recordedStatus(run);
  // Blocked fails the run; a stalled one stops where it is; a waiting one has not started.
  const phase = problem.kind === 'blocked' ? 'Failed' : (recorded.phase ?? 'Pending');
  const text = { reason: problem.reason, message: problem.message };
  const previous = recorded.conditions?.find((c) => c.type === 'Ready');
  if (previous?.reason === text.reason && previous.message === text.message && recorded.phase === phase)
    return { phase };
  const conditions = runConditions(
    {
      phase: phase as RunSituation['phase'],
      degraded: false,
      awaiting: [],
      ...(problem.kind === 'waiting' ? { waitingOn: text } : { blocked: text }),
    },
    run.metadata.generation,
    recorded.conditions ?? [],
    new Date(now),
  );
  return {
    phase,
    status: { phase, ...text, observedGeneration: run.metadata.generation, conditions },
  };
}

/** Above this many steps, status.steps lists only the steps that did not simply succeed. */
export const LARGE_RUN_STEPS = 500;

const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** What the engine's state shows: phase, times, progress, steps, outputs, approvals, the state itself. */
function stateStatus(
  plan: Plan,
  state: RunState,
  runName: string,
): Omit<RunStatus, 'conditions' | 'observedGeneration'> {
  const { steps, omitted } = stepEntries(plan, state, runName);
  const approvals = approvalEntries(plan, state);
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

/** One compact entry per step that ran or is worth a look. */
function stepEntries(
  plan: Plan,
  state: RunState,
  runName: string,
): { steps: Record<string, StepStatus>; omitted: number } {
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
  return { steps, omitted };
}

/** Who may approve each gated step, and who did. */
function approvalEntries(plan: Plan, state: RunState): Record<string, ApprovalStatus> {
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
  return approvals;
}
