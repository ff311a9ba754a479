// What the UI server needs from where runs live (the local state directory, or a namespace of a
// cluster). Every action is exactly the CLI command a user would type, run in-process as that user.
import type { RunSummaryView, RunView } from './run-view.ts';
import type { WorkflowView } from './workflow-view.ts';

export interface ActionResult {
  readonly ok: boolean;
  /** What the CLI printed: its confirmation, or the refusal (an admission policy's message). */
  readonly message: string;
  /** The run the operation started (retry, a cluster resume), for the page to open. */
  readonly run?: string;
}

export interface WorkflowSummaryView {
  /** The id of its page, when it is not the name (a local workflow beside a cluster's). */
  readonly id?: string;
  readonly name: string;
  /** A local run's workflow in a list mixed with a cluster's. */
  readonly local?: boolean;
  readonly description?: string;
}

/** A part of the runs that could not be read just now (the cluster, beside local runs), and why. */
export interface Unavailable {
  /** Where that part lives, as `where` says it ("context kind, namespace team-a"). */
  readonly where: string;
  /** Its error, as the API server or the connection gave it. */
  readonly message: string;
  /** What would let it be read, when that is likely (a refusal: the role the user lacks). */
  readonly hint?: string;
  /** When its runs (listed as last seen, each marked `stale`) could last be read. */
  readonly lastSeenAt?: number;
  /** Its runs are listed, as read now, but nothing tells the page of their changes (a watch refused). */
  readonly notLive?: true;
}

/** The runs the UI shows, and the parts it could not read (the list shows the rest). */
export interface RunList {
  readonly runs: RunSummaryView[];
  readonly unavailable?: readonly Unavailable[];
}

export interface WorkflowList {
  readonly workflows: WorkflowSummaryView[];
  readonly unavailable?: readonly Unavailable[];
}

export interface UiBackend {
  /** "state directory /x/.conveyor", "context kind, namespace team-a", or both joined by "and". */
  readonly where: string;
  listRuns(): Promise<RunList>;
  getRun(id: string): Promise<RunView | undefined>;
  /**
   * Passes on the step's output as it is written (`conveyor logs RUN STEP -f`: every attempt, each
   * after a header), from the start; resolves when nothing more will be written for now (the run
   * ended, or a local run waits or has no process), or when `signal` aborts.
   */
  followLogs(id: string, step: string, write: (text: string) => void, signal: AbortSignal): Promise<void>;
  approve(
    id: string,
    step: string,
    decision: 'approved' | 'rejected',
    comment: string,
  ): Promise<ActionResult>;
  cancel(id: string): Promise<ActionResult>;
  resume(id: string): Promise<ActionResult>;
  rollback(id: string): Promise<ActionResult>;
  /** A new run of the same workflow text and parameters (conveyor retry). */
  retry(id: string): Promise<ActionResult>;
  listWorkflows(): Promise<WorkflowList>;
  getWorkflow(name: string): Promise<WorkflowView | undefined>;
  /** Calls `onChange` with the ids of the runs that changed (added, changed or gone), or with none
   *  when a part could be read again or no longer (the list is drawn again); returns a function
   *  that stops watching. */
  watch(onChange: (runs: readonly string[]) => void): () => void;
}
