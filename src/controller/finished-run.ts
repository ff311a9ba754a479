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
