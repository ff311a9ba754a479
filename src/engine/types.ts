// The engine's public contract: the plan (a workflow compiled to a graph), the run state (plain JSON,
// what a cluster keeps in WorkflowRun.status and what --save-state writes), what executors observe
// and feed back, and the actions the engine asks them to take.
//
// The loop every executor runs:
//
//   const plan = buildPlan(workflow);
//   let state = createRunState(plan, { runId, context }, now());
//   for (;;) {
//     const { state: next, actions } = decide(plan, state, observationsSinceLastCall, now());
//     state = next;
//     perform(actions);            // start/cancel attempts, arm the wake timer, request approvals, log events
//     if (isRunFinished(state)) break;
//     wait for an observation or the wake time;
//   }
//
// `decide` is pure and deterministic: the same plan, state, observations and time give the same
// result, it never mutates its arguments, and calling it again with no new observations never
// repeats a start.
//
// Choices on points the design leaves open:
// - A step starts as Running when the engine emits its start (the intent is what makes a repeated
//   `decide` idempotent); `attemptStarted` only adds the real start time and an executor handle.
// - After a cancel action the step stays Running until its `attemptFinished` arrives (exit 0 then
//   still counts as Succeeded); failure hooks never overlap a step that is still stopping.
// - `parallel_limit` and budgets count running main leaves beneath the group. Hooks, fallbacks,
//   recovery actions, undo and rollback are not counted (they must never deadlock the run).
// - Among ready steps the scheduler starts, in priority order, every one that fits: a big step that
//   does not fit does not hold back a smaller one behind it.
// - A step's final failure: recovery first (once per step per round: one strategy, then one more
//   try), then the step is Failed and its on_failure hooks run; fail fast starts at that moment.
//   Render errors and oversized outputs are not retried (they would fail the same way).
// - Breakers count failed attempts (not steps) and are checked before every try, retries included.
// - Hooks of every kind run sequentially; workflow-level hooks, on_retry and on_failure are best
//   effort (a failure is recorded in `failedHooks` / events and the list goes on, the outcome stays);
//   prerequisites, recovery actions and fallbacks stop at their first failure.
// - Prerequisite failure ends the run Failed without rollback or failure hooks: nothing changed.
// - Cancellation stops everything, hooks included, and runs no hooks; a cancel during finalisation
//   hooks stops them but keeps the outcome. Cancel never runs saga undo.
// - The run deadline covers prerequisites and steps, not the finalisation hooks (rollback on
//   `deployment_timeout` must be able to run after it).
// - An atomic group stops its other children when one fails (even under continue_on_error), undoes
//   its succeeded leaves newest first, then fails; dependents outside follow the usual rules.
import type { Resources, RetryPolicy, Step, Workflow } from '../spec/model.ts';

// ---------------------------------------------------------------------------------------------
// Plan
// ---------------------------------------------------------------------------------------------

/** Which list of the workflow a step was written in. */
export type NodeRole =
  | 'main'
  | 'prerequisite'
  | 'on_retry'
  | 'on_failure'
  | 'fallback'
  | 'action'
  | 'rollback'
  | 'workflow_on_failure'
  | 'on_success'
  | 'post_success'
  | 'post_failure';

/** One step of the workflow, wherever it is written, with its precomputed graph edges. */
export interface PlanNode {
  /** Position in `Plan.nodes` and in `RunState.steps`. */
  readonly index: number;
  readonly name: string;
  readonly step: Step;
  readonly role: NodeRole;
  readonly isGroup: boolean;
  /** Enclosing group's index, or -1 at the top of its list. */
  readonly parent: number;
  readonly children: readonly number[];
  /** Main nodes only: the nodes that must end before this one may start (explicit `depends_on`,
   *  the previous sibling in a sequence, and the producer of an output its `when` reads). */
  readonly predecessors: readonly number[];
  /** Main nodes only: the reverse of `predecessors`. */
  readonly successors: readonly number[];
  /** Ancestor groups (innermost first) with a `parallel_limit` or `resource_requirements`. */
  readonly budgetScopes: readonly number[];
  /** Innermost enclosing atomic group, or -1. */
  readonly atomicGroup: number;
  /** `priority`, or +Infinity when the step has none (ties broken by `index`, i.e. document order). */
  readonly priority: number;
  /** The retry policy that applies: the step's own, or (main leaves) the workflow's under strategy `retry`. */
  readonly retry?: RetryPolicy;
  /** Total tries the policy allows (1 without one). */
  readonly maxTries: number;
  /** The step or an ancestor declares `continue_on_error`: its failure is tolerated and its
   *  dependents run. (The strategy `continue_on_error` and the run option only keep the run
   *  going, like `make -k`: the dependents of a failed step are skipped.) */
  readonly continueOnError: boolean;
  /** Leaf indices of the step's `on_retry`, `on_failure` and `fallback_steps` lists, flattened in order. */
  readonly onRetry: readonly number[];
  readonly onFailure: readonly number[];
  readonly fallback: readonly number[];
}

/** A workflow compiled once per run. Treat it as read-only; build it with `buildPlan`. */
export interface Plan {
  readonly workflow: Workflow;
  readonly nodes: readonly PlanNode[];
  readonly byName: ReadonlyMap<string, number>;
  /** Top-level main steps in document order. */
  readonly roots: readonly number[];
  /** Number of leaves among the main steps (what progress counts). */
  readonly mainLeafCount: number;
  readonly mainNodeCount: number;
  /** Flattened leaf lists of the workflow-level hooks, in the order they run. */
  readonly prerequisites: readonly number[];
  readonly rollback: readonly number[];
  readonly onFailure: readonly number[];
  readonly onSuccess: readonly number[];
  readonly postSuccess: readonly number[];
  readonly postFailure: readonly number[];
  /** Named actions (recovery and breaker fallbacks) → their flattened leaves. */
  readonly actions: ReadonlyMap<string, readonly number[]>;
}

// ---------------------------------------------------------------------------------------------
// Run state (plain JSON)
// ---------------------------------------------------------------------------------------------

export const RUN_STATE_SCHEMA_VERSION = 1;

export type StepPhase =
  | 'Pending'
  | 'Waiting'
  | 'AwaitingApproval'
  | 'Running'
  | 'Retrying'
  | 'Succeeded'
  | 'Failed'
  | 'Skipped'
  | 'FellBack'
  | 'Cancelled';

export const TERMINAL_STEP_PHASES: readonly StepPhase[] = [
  'Succeeded',
  'Failed',
  'Skipped',
  'FellBack',
  'Cancelled',
];

/**
 * Why a step ended where it did. Skipped: `ConditionFalse` (its `when` was false, or an enclosing
 * group's), `DependencyFailed` (something it waits for failed), `RunFailed` (the run stopped first),
 * `GroupFailed` (its atomic group failed first), `PrerequisiteFailed`, `BeforeRetryFrom` (`retry --from`),
 * `RunCancelled` (a failure hook the cancel skipped), `NotTriggered`
 * (a hook, fallback or action the run never needed). Failed: `ExitCode`, `TimedOut`, `RenderError`,
 * `ConditionError`, `OutputTooLarge`, `ExecutorError`, `Rejected`, `ApprovalTimedOut`, `CircuitOpen`,
 * `FallbackFailed`, `ChildFailed`, `ResourceBudgetExceeded`. Cancelled: `Cancelled`, `RunFailed`,
 * `RunTimedOut`, `GroupFailed`, `Stopped` (`conveyor stop`: it had not started).
 */
export type StepReason = string;

/** What an attempt is for; main tries and every kind of hook share one attempt counter per step. */
export type AttemptPurpose =
  | 'main'
  | 'prerequisite'
  | 'on_retry'
  | 'on_failure'
  | 'recovery'
  | 'fallback'
  | 'undo'
  | 'rollback'
  | 'workflow_on_failure'
  | 'on_success'
  | 'post_success'
  | 'post_failure';

export interface AttemptRecord {
  /** `<step>-<attempt>`: unique in the run, stable across crashes (Job names derive from it). */
  readonly id: string;
  readonly attempt: number;
  readonly purpose: AttemptPurpose;
  /** When the engine asked for the start, then when the executor reported it running. */
  readonly requestedAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  /** Executor handle: Job name, pid, … (informational). */
  readonly handle?: string;
  readonly exitCode?: number | null;
  readonly timedOut?: boolean;
  readonly cancelRequested?: boolean;
  readonly outcome?: 'Succeeded' | 'Failed' | 'Cancelled';
  readonly message?: string;
}

export interface StepState {
  readonly name: string;
  readonly phase: StepPhase;
  readonly reason?: StepReason;
  readonly message?: string;
  /** Main tries in the current round (a resume starts a new round). */
  readonly tries: number;
  /** Extra tries granted by a recovery strategy in this round. */
  readonly extraTries: number;
  /** Highest attempt number handed out for this step (all purposes, all rounds). */
  readonly lastAttempt: number;
  /** The attempt in flight, if any. */
  readonly current?: number;
  /** While Retrying: when the next try may start (absent while on_retry hooks still run). */
  readonly nextAttemptAt?: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly exitCode?: number | null;
  /** Order of completion among main steps (saga undo runs in reverse of it). */
  readonly completedSeq?: number;
  /** Set on a succeeded step whose `rollback` command ran because its atomic group failed. */
  readonly undone?: 'Succeeded' | 'Failed';
  readonly history: readonly AttemptRecord[];
}

export type RunPhase = 'Pending' | 'Running' | 'AwaitingApproval' | 'Succeeded' | 'Failed' | 'Cancelled';

/**
 * Where the run is in its life: prerequisites, the main steps, then the finalisation hooks (after a
 * failure rollback → on_failure → post_failure, after a success on_success → post_success), and
 * `done`. `manual_rollback` follows `done` on request.
 */
export type RunStage =
  | 'prerequisites'
  | 'steps'
  | 'rollback'
  | 'on_failure'
  | 'post_failure'
  | 'on_success'
  | 'post_success'
  | 'manual_rollback'
  | 'done';

/** Why the main steps stopped early. */
export type StopReason = 'StepFailed' | 'Cancelled' | 'Stopped' | 'RunTimedOut' | 'PrerequisiteFailed';

export type BreakerPosition = 'closed' | 'open' | 'half_open';

/** A circuit breaker's state, carried from run to run of one workflow. */
export interface BreakerState {
  readonly state: BreakerPosition;
  /** Consecutive failed attempts while closed. */
  readonly failures: number;
  readonly openedAt?: number;
}

export interface ApprovalDecision {
  readonly decision: 'approved' | 'rejected';
  readonly comment?: string;
  readonly at: number;
  /** False when the user was not allowed to decide (not listed, or self-approval forbidden). */
  readonly counted: boolean;
  /** Came from an `override` observation: settles the gate alone. */
  readonly override?: boolean;
  /** The definition it was given for (approval-digest.ts); it counts for no other. */
  readonly digest?: string;
  /** Carried over from the run this one resumed (`resumeFrom`), for the very same definition. */
  readonly inheritedFrom?: string;
  /**
   * Its author withdrew it after it was used (the step had started): it still explains why the step
   * ran, and says it was withdrawn. Before use a withdrawal simply removes the decision.
   */
  readonly withdrawnAfterUse?: boolean;
}

export interface ApprovalRecord {
  readonly requestedAt?: number;
  /** Deadline from `approval.timeout`, when one is set. */
  readonly expiresAt?: number;
  readonly required: number;
  /** The digest of the step's definition that decisions are given for (approval-digest.ts). */
  readonly digest?: string;
  /** Keyed by user, like `WorkflowRun.spec.approvals`. */
  readonly decisions: Readonly<Record<string, ApprovalDecision>>;
  readonly outcome?: 'approved' | 'rejected' | 'expired';
}

/** A list of hook-like steps running one after another on behalf of a step or of the run. */
export interface Activity {
  /** Deterministic id such as `on_retry:deploy_api:2` or `rollback`. */
  readonly id: string;
  readonly purpose: AttemptPurpose;
  /** The step the activity serves (absent for workflow-level hooks). */
  readonly owner?: string;
  /** Step names to run in order; for `undo`, the main steps whose `rollback` command runs. */
  readonly items: readonly string[];
  /** Index of the item running or to run next. */
  readonly position: number;
  /** True while `items[position]` has an attempt in flight. */
  readonly busy: boolean;
  /** Items that failed so far. */
  readonly failed: readonly string[];
  /** Prerequisites, recovery and fallbacks stop at the first failure; other hooks are best effort. */
  readonly stopOnFailure: boolean;
  /** Set when the activity must not start further items (cancellation, run stopping). */
  readonly aborted?: boolean;
}

/** Limits after run options are applied. */
export interface EffectiveLimits {
  readonly maxParallel?: number;
  readonly cpuMillis?: number;
  readonly memoryBytes?: number;
}

export interface RunOptions {
  /** The CLI's --parallel: lowers (never raises) `resource_limits.max_parallel`. */
  readonly maxParallel?: number;
  /** The CLI's --continue-on-error (`make -k`): a failure stops only what depends on it. */
  readonly continueOnError?: boolean;
  /** The CLI's --timeout; overrides the workflow's `timeout`. */
  readonly timeoutMs?: number;
  /** Bound on a captured output, in UTF-8 bytes (default 256 KiB). */
  readonly maxOutputBytes?: number;
}

export interface RunState {
  readonly schemaVersion: typeof RUN_STATE_SCHEMA_VERSION;
  readonly runId: string;
  readonly workflow: string;
  readonly phase: RunPhase;
  readonly stage: RunStage;
  /** Run-level reason: `StepFailed`, `PrerequisiteFailed`, `DeadlineExceeded`, `Cancelled`, `Rejected`… */
  readonly reason?: string;
  readonly message?: string;
  /** Who created the run (self-approval rules); empty when unknown. */
  readonly creator: string;
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  /** Run deadline (absolute ms), from the run option or the workflow's `timeout`. */
  readonly deadline?: number;
  readonly options: {
    readonly continueOnError: boolean;
    readonly timeoutMs?: number;
    readonly maxOutputBytes: number;
  };
  readonly limits: EffectiveLimits;
  /** Template data resolved before the run (parameters, variables, conditions, built-ins). */
  readonly context: Readonly<Record<string, unknown>>;
  /** One entry per plan node, in plan order (`Plan.nodes[i]` ↔ `steps[i]`). */
  readonly steps: readonly StepState[];
  /** `capture_output` values by output name (trimmed stdout). */
  readonly outputs: Readonly<Record<string, string>>;
  /** Condition names raised by failures, in the order first raised. */
  readonly raised: readonly string[];
  /** A step was saved by a fallback (the run's `Degraded` condition). */
  readonly degraded: boolean;
  /** Set once the main steps must stop (fail fast, cancellation, run timeout, prerequisite failure). */
  readonly stop?: { readonly reason: StopReason; readonly at: number; readonly step?: string };
  /** The outcome decided at the end of the main steps; finalisation hooks never change it. */
  readonly outcome?: 'Succeeded' | 'Failed' | 'Cancelled';
  readonly activities: readonly Activity[];
  /** Circuit breakers by name; the final state's value is what the next run should start from. */
  readonly breakers: Readonly<Record<string, BreakerState>>;
  /** Breaker name → the step running its half-open trial in this run. */
  readonly breakerTrials: Readonly<Record<string, string>>;
  /** Approval gates by step name (requested ones, and decisions that arrived before the gate). */
  readonly approvals: Readonly<Record<string, ApprovalRecord>>;
  /** Finalisation hooks that failed (recorded; they do not change the outcome). */
  readonly failedHooks: readonly string[];
  /** Last rollback (automatic or manual) and how it went. */
  readonly rollback?: {
    readonly trigger: 'automatic' | 'manual';
    readonly phase: 'Running' | 'Succeeded' | 'Failed';
  };
  /** Monotonic counter for completion order. */
  readonly seq: number;
}

export interface CreateRunInputs {
  readonly runId: string;
  /** Template data from `resolveRunContext` (src/spec/run-context.ts). */
  readonly context: Readonly<Record<string, unknown>>;
  readonly creator?: string;
  /** Breaker states left by the previous run of this workflow. */
  readonly breakers?: Readonly<Record<string, BreakerState>>;
  readonly options?: RunOptions;
}

// ---------------------------------------------------------------------------------------------
// Observations (executor → engine)
// ---------------------------------------------------------------------------------------------

/** The executor really started an attempt the engine asked for (optional; informational). */
export interface AttemptStartedObservation {
  readonly kind: 'attemptStarted';
  readonly step: string;
  readonly attempt: number;
  readonly at: number;
  readonly handle?: string;
}

/** An attempt ended. Exactly one per started attempt, also after a cancel action. */
export interface AttemptFinishedObservation {
  readonly kind: 'attemptFinished';
  readonly step: string;
  readonly attempt: number;
  /** `null` when the process never ran or was killed by a signal. */
  readonly exitCode: number | null;
  /** The executor killed it at the step's `timeoutMs`. */
  readonly timedOut?: boolean;
  /** Stdout, when the start action had `captureOutput` (trimmed by the engine). */
  readonly output?: string;
  /** The executor stopped capturing at its bound; the engine fails the step with OutputTooLarge. */
  readonly outputTruncated?: boolean;
  /** The executor could not run the attempt at all (spawn error, Job rejected for good…). */
  readonly error?: string;
  /** The step's reason for `error` (e.g. `JobDeleted`); `ExecutorError` when absent. */
  readonly errorReason?: string;
}

export interface ApprovalObservation {
  readonly kind: 'approvalDecided';
  readonly step: string;
  readonly user: string;
  readonly decision: 'approved' | 'rejected';
  readonly comment?: string;
  /** The user's groups, checked against `approval.groups`. */
  readonly groups?: readonly string[];
  /**
   * The caller vouches for this decision on its own (e.g. `--auto-approve` by the operator at the
   * terminal): it satisfies the gate whatever `required` and the approver lists say.
   */
  readonly override?: boolean;
  readonly at: number;
}

/** A decision was taken back (its entry removed from `WorkflowRun.spec.approvals`). */
export interface ApprovalWithdrawnObservation {
  readonly kind: 'approvalWithdrawn';
  readonly step: string;
  readonly user: string;
  readonly at: number;
}

export interface CancelObservation {
  readonly kind: 'cancelRequested';
  readonly user?: string;
  readonly message?: string;
  /**
   * A graceful stop (`conveyor stop`): nothing new starts, running attempts finish, then the
   * failure hooks (on_failure, post_execution.failure) run and the run ends Cancelled, reason
   * `Stopped`. Without it, running attempts are cancelled and no hooks run.
   */
  readonly graceful?: boolean;
}

/** Run `rollback.steps` on a finished, failed (or cancelled) run. */
export interface RollbackObservation {
  readonly kind: 'rollbackRequested';
  readonly user?: string;
}

export type Observation =
  | AttemptStartedObservation
  | AttemptFinishedObservation
  | ApprovalObservation
  | ApprovalWithdrawnObservation
  | CancelObservation
  | RollbackObservation;

// ---------------------------------------------------------------------------------------------
// Actions (engine → executor)
// ---------------------------------------------------------------------------------------------

export interface StartAttemptAction {
  readonly kind: 'startAttempt';
  /** `<step>-<attempt>`; starting the same id twice must be a no-op for the executor. */
  readonly attemptId: string;
  readonly step: string;
  readonly attempt: number;
  readonly purpose: AttemptPurpose;
  /** Rendered in shell mode, ready for `sh -c` (or `shell`). Exactly one of command/script is set. */
  readonly command?: string;
  /** Rendered script text; a shebang picks the interpreter. */
  readonly script?: string;
  readonly shell?: string;
  readonly dynamic: boolean;
  /** Step env with templates rendered (text mode). */
  readonly env: Readonly<Record<string, string>>;
  /** The executor kills the attempt after this and reports `timedOut`. */
  readonly timeoutMs?: number;
  /** Report stdout in `output` of the finished observation. */
  readonly captureOutput: boolean;
  readonly resources?: Resources;
  readonly image?: string;
}

export interface CancelAttemptAction {
  readonly kind: 'cancelAttempt';
  readonly attemptId: string;
  readonly step: string;
  readonly attempt: number;
  readonly reason: string;
}

/**
 * Call `decide` again at `at` even if nothing is observed. Every `decide` result that has a pending
 * timer carries one; the latest replaces earlier ones.
 */
export interface WakeAction {
  readonly kind: 'wakeAt';
  readonly at: number;
}

export interface RequestApprovalAction {
  readonly kind: 'requestApproval';
  readonly step: string;
  readonly description?: string;
  readonly users: readonly string[];
  readonly groups: readonly string[];
  readonly required: number;
  readonly allowSelfApproval: boolean;
  readonly expiresAt?: number;
}

export type EventType =
  | 'started'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'requires_approval'
  | 'approval_recorded'
  | 'step_started'
  | 'step_succeeded'
  | 'step_failed'
  | 'step_retrying'
  | 'step_skipped'
  | 'step_fell_back'
  | 'step_cancelled'
  | 'hook_failed'
  | 'breaker_opened'
  | 'breaker_closed'
  | 'rollback_started'
  | 'rollback_finished'
  | 'recovery_started'
  | 'stage_changed';

/** Something worth logging, notifying or turning into a Kubernetes Event. */
export interface EventAction {
  readonly kind: 'event';
  readonly type: EventType;
  readonly severity: 'info' | 'warning' | 'error';
  readonly step?: string;
  readonly message: string;
}

/** The run reached a final phase (emitted again after a manual rollback finishes). */
export interface FinishRunAction {
  readonly kind: 'finishRun';
  readonly phase: 'Succeeded' | 'Failed' | 'Cancelled';
  readonly reason?: string;
  readonly message?: string;
}

export type Action =
  | StartAttemptAction
  | CancelAttemptAction
  | WakeAction
  | RequestApprovalAction
  | EventAction
  | FinishRunAction;

export interface Decision {
  readonly state: RunState;
  readonly actions: readonly Action[];
}

export interface Progress {
  /** Main leaves in a terminal phase. */
  readonly done: number;
  readonly total: number;
  /** 0–100, rounded down; 100 when there is nothing to do. */
  readonly percent: number;
  readonly running: number;
  readonly failed: number;
  readonly awaitingApproval: number;
}

// ---------------------------------------------------------------------------------------------
// Functions (implemented in the modules named; re-exported by src/engine/index.ts)
// ---------------------------------------------------------------------------------------------

/** plan.ts — throws PlanError only for a workflow that spec validation would have rejected. */
export type BuildPlan = (workflow: Workflow) => Plan;
/** state.ts */
export type CreateRunState = (plan: Plan, inputs: CreateRunInputs, now: number) => RunState;
/** decide.ts */
export type Decide = (
  plan: Plan,
  state: RunState,
  observations: readonly Observation[],
  now: number,
) => Decision;
/** resume.ts — keeps Succeeded/FellBack steps and outputs, resets the rest to Pending, new round. */
export type PrepareResume = (plan: Plan, previous: RunState, now: number, options?: RunOptions) => RunState;
/** progress.ts */
export type SummarizeProgress = (plan: Plan, state: RunState) => Progress;
