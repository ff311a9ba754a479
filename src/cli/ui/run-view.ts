// What the UI shows of a run, the same for a local run and a cluster run: the list entry, and the
// run page (steps and their attempts, who may approve what, outputs, conditions, events, and the
// graph coloured by phase).
export interface AttemptView {
  readonly attempt: number;
  /** main, on_retry, rollback, on_failure, … (engine AttemptPurpose). */
  readonly purpose: string;
  readonly requestedAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly exitCode?: number | null;
  readonly outcome?: string;
  readonly timedOut?: boolean;
  readonly message?: string;
}

export interface StepView {
  readonly name: string;
  readonly phase: string;
  /** main, or the hook/undo list it belongs to (engine NodeRole). */
  readonly role?: string;
  readonly isGroup?: boolean;
  /** The enclosing group. */
  readonly group?: string;
  readonly attempts: number;
  /** Every attempt, oldest first (empty when only the count is known). */
  readonly attemptList?: readonly AttemptView[];
  readonly exitCode?: number | null;
  readonly reason?: string;
  readonly message?: string;
  readonly startedAt?: number;
  readonly finishedAt?: number;
}

export interface ApprovalView {
  readonly step: string;
  /** Who may approve (both empty: anyone allowed to change the run). */
  readonly users: readonly string[];
  readonly groups: readonly string[];
  readonly allowSelfApproval: boolean;
  /** How many distinct approvals the step needs. */
  readonly required: number;
  /** Decisions given so far. */
  readonly decided: readonly { user: string; decision: string; comment?: string; counted?: boolean }[];
}

export interface ConditionView {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionTime?: string;
}

/** A Kubernetes Event about the run, or a line of a local run's journal. */
export interface EventView {
  readonly at?: number;
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly count?: number;
}

export interface RunActions {
  readonly approve: boolean;
  readonly cancel: boolean;
  readonly resume: boolean;
  readonly rollback: boolean;
  readonly retry: boolean;
}

export interface RunSummaryView {
  /** What the page calls the run by: its name; namespace/name when the UI shows all namespaces;
   *  local:name for a local run in a list mixed with a cluster's (see mixed-backend.ts). */
  readonly id: string;
  /** The run's own name (its id without the namespace or the local: mark). */
  readonly name: string;
  /** Set when the UI shows all namespaces (-A), or mixes the cluster's runs with local ones. */
  readonly namespace?: string;
  /** A local run in a list mixed with a cluster's. */
  readonly local?: boolean;
  readonly workflow: string;
  /** What the page calls the run's workflow by (the id of its workflow page). */
  readonly workflowId: string;
  readonly phase: string;
  readonly done: number;
  readonly total: number;
  readonly createdBy?: string;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  /** Steps waiting for approval: such runs are listed first. */
  readonly waiting: readonly string[];
  /** Set when the run's cluster cannot be reached: the run is shown as it was last seen. */
  readonly stale?: StaleView;
}

/** A run shown as it was last seen, because where it lives cannot be reached just now. */
export interface StaleView {
  /** When it was last seen current. */
  readonly lastSeenAt: number;
  /** Why it cannot be read now, as the API server or the connection said. */
  readonly message: string;
}

export interface RunView extends RunSummaryView {
  readonly where: string;
  readonly reason?: string;
  readonly message?: string;
  readonly steps: readonly StepView[];
  readonly approvals: readonly ApprovalView[];
  /** `capture_output` values by name. */
  readonly outputs: Readonly<Record<string, string>>;
  /** The run's status conditions (Ready, Succeeded, …). */
  readonly conditions: readonly ConditionView[];
  /** Condition names raised by failures (step_failed, deployment_timeout, …). */
  readonly raised: readonly string[];
  readonly events: readonly EventView[];
  /** The workflow graph, each step coloured by phase (SVG markup, every name escaped). */
  readonly svg: string;
  /** What can be done from here, as the CLI would. */
  readonly actions: RunActions;
}

const FINISHED = new Set(['Succeeded', 'Failed', 'Skipped', 'FellBack', 'Cancelled']);

export function isFinishedStep(phase: string): boolean {
  return FINISHED.has(phase);
}

/** Waiting runs first, then newest first. */
export function sortRuns<T extends RunSummaryView>(runs: readonly T[]): T[] {
  return [...runs].sort(
    (a, b) =>
      Number(b.waiting.length > 0) - Number(a.waiting.length > 0) ||
      (b.startedAt ?? 0) - (a.startedAt ?? 0) ||
      a.id.localeCompare(b.id),
  );
}
