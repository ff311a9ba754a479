// What the UI shows of a run, the same for a local run and a cluster run: the list entry, and the
// run page (steps, who may approve what, and the graph coloured by phase).
export interface StepView {
  readonly name: string;
  readonly phase: string;
  readonly attempts: number;
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
}

export interface RunSummaryView {
  readonly id: string;
  readonly workflow: string;
  readonly phase: string;
  readonly done: number;
  readonly total: number;
  readonly createdBy?: string;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  /** Steps waiting for approval: such runs are listed first. */
  readonly waiting: readonly string[];
}

export interface RunView extends RunSummaryView {
  readonly where: string;
  readonly reason?: string;
  readonly message?: string;
  readonly steps: readonly StepView[];
  readonly approvals: readonly ApprovalView[];
  /** The workflow graph, each step coloured by phase (SVG markup, every name escaped). */
  readonly svg: string;
  /** What can be done from here, as the CLI would. */
  readonly actions: { readonly approve: boolean; readonly cancel: boolean; readonly resume: boolean };
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
