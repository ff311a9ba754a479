// A finished run whose spec has not changed since the controller last wrote its status has nothing
// left to decide: reconciling it would load its pinned plan (a ConfigMap read and a parse) and decode
// its engine state only to write nothing. With thousands of finished runs present, doing that for
// each at start-up made the controller slow to reach the runs that do need it, and large (every plan
// stayed cached).
import type { WorkflowRunObject } from './resources.ts';

const FINISHED_PHASES: ReadonlySet<string> = new Set(['Succeeded', 'Failed', 'Cancelled']);

/**
 * The run finished and its status answers its current spec. A requested rollback (`spec.rollback`)
 * keeps a run in play: its rollback steps run while its phase still says Failed or Cancelled.
 */
export function isSettledRun(run: WorkflowRunObject): boolean {
  const status = run.status as { phase?: unknown; observedGeneration?: unknown } | undefined;
  return (
    typeof status?.phase === 'string' &&
    FINISHED_PHASES.has(status.phase) &&
    status.observedGeneration === run.metadata.generation &&
    run.spec?.rollback !== true
  );
}

/** What the controller still reads of a settled run: resumeFrom its engine state, schedules its phase. */
const SETTLED_STATUS_KEPT = [
  'phase',
  'reason',
  'message',
  'startedAt',
  'finishedAt',
  'creator',
  'observedGeneration',
  'workflowName',
  'pinnedWorkflow',
  'pinnedDigest',
  'engine',
] as const;

/**
 * A settled run as the controller caches it: without its per-step entries, conditions, progress,
 * approvals and outputs, which nothing reads again until its spec changes (and a changed run comes
 * back whole in the watch event that says so). Most of a finished run's cached size is there.
 */
export function settledRunView(run: WorkflowRunObject): WorkflowRunObject {
  if (!isSettledRun(run) || !run.status) return run;
  const status: Record<string, unknown> = {};
  for (const key of SETTLED_STATUS_KEPT) if (run.status[key] !== undefined) status[key] = run.status[key];
  return { ...run, status };
}
