// The one author of Workflow.status: `summariseWorkflow` builds it from the results of a Workflow's
// reconcile (its checked spec, its schedules, its last finished run) and returns the merge patch to
// write, or nothing when the status already says it all. Written only under the Workflow's own key.
import { isDeepStrictEqual } from 'node:util';
import type { RunState } from '../engine/types.ts';
import { formatDiagnostic } from '../spec/diagnostics.ts';
import type { LoadResult } from '../spec/load.ts';
import { sameConditions, stampConditions } from './conditions.ts';
import type { Condition, ConditionDraft } from './conditions.ts';
import type { WorkflowObject } from './resources.ts';
import type { LastRun } from './workflow-runs.ts';

export interface ScheduleStatus {
  name: string;
  since?: string;
  suspended?: boolean;
  lastScheduleTime?: string;
  lastSkip?: { time: string; reason: string; message: string };
  lastRun?: { name: string; phase?: string };
  nextScheduleTimes?: string[];
  active?: string[];
}

export interface WorkflowStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  findings?: unknown[];
  schedules?: ScheduleStatus[];
  breakers?: RunState['breakers'];
  lastRun?: LastRun;
}

export function recordedWorkflowStatus(workflow: WorkflowObject): WorkflowStatus {
  return (workflow.status ?? {}) as WorkflowStatus;
}

/** The results of one reconcile of a Workflow. */
export interface WorkflowResults {
  readonly workflow: WorkflowObject;
  readonly loaded: LoadResult;
  readonly schedules: readonly ScheduleStatus[];
  /** A run of it that finished since the status last said (workflow-runs.ts). */
  readonly finished?: { readonly lastRun: LastRun; readonly breakers: RunState['breakers'] };
  readonly now: number;
}

/** The status patch to write, or undefined when the current status already says it all. */
export function summariseWorkflow(r: WorkflowResults): Record<string, unknown> | undefined {
  const current = recordedWorkflowStatus(r.workflow);
  const next: WorkflowStatus = {
    ...validity(r),
    findings: r.loaded.diagnostics.slice(0, 100).map((d) => ({
      severity: d.severity,
      ...(d.code ? { code: d.code } : {}),
      message: d.message,
      path: d.path,
    })),
    schedules: [...r.schedules],
  };
  const changed =
    r.finished !== undefined ||
    current.observedGeneration !== next.observedGeneration ||
    !sameConditions(current.conditions ?? [], next.conditions ?? []) ||
    // The API server returns objects with their keys sorted: compare values, not texts.
    !isDeepStrictEqual(current.findings ?? [], next.findings) ||
    !isDeepStrictEqual(current.schedules ?? [], next.schedules);
  if (!changed) return undefined;
  return {
    ...next,
    // A merge patch replaces lists whole; null removes the list once no schedule is left.
    schedules: next.schedules?.length ? next.schedules : null,
    // Merged into what is there: the next run of the workflow starts from these breakers.
    ...(r.finished ? { breakers: r.finished.breakers, lastRun: r.finished.lastRun } : {}),
  };
}

function validity({
  workflow,
  loaded,
  now,
}: WorkflowResults): Pick<WorkflowStatus, 'observedGeneration' | 'conditions'> {
  const generation = workflow.metadata.generation;
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  const warnings = loaded.diagnostics.length - errors.length;
  const ready = errors.length === 0;
  const message = ready
    ? `The workflow is valid${warnings ? ` (${warnings} warning(s): see status.findings)` : ''}.`
    : errors.slice(0, 5).map(formatDiagnostic).join('; ') +
      (errors.length > 5 ? ` (and ${errors.length - 5} more)` : '');
  const reason = ready ? 'Valid' : 'InvalidWorkflow';
  const drafts: ConditionDraft[] = [
    { type: 'Ready', status: ready ? 'True' : 'False', reason, message },
    { type: 'Stalled', status: ready ? 'False' : 'True', reason, message },
    { type: 'Reconciling', status: 'False', reason, message: 'Validation is done.' },
  ];
  const previous = recordedWorkflowStatus(workflow).conditions ?? [];
  return {
    observedGeneration: generation,
    conditions: stampConditions(drafts, generation, previous, new Date(now)),
  };
}
