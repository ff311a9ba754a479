// How the CLI lists WorkflowRuns: newest first, each under its workflow. Kept free of the Kubernetes
// client so that shell completion lists them as history does without loading it.
import type { WorkflowRunObject } from '../../controller/resources.ts';

/** The workflow a run belongs to: its reference, or what the controller recorded for inline ones. */
export function workflowOf(run: WorkflowRunObject): string {
  const status = (run.status ?? {}) as { workflowName?: string };
  return run.spec?.workflowRef?.name ?? status.workflowName ?? '(inline)';
}

/** Newest first by creation time; names (which carry a timestamp) break ties within a second. */
export function newestFirst(runs: readonly WorkflowRunObject[]): WorkflowRunObject[] {
  const created = (r: WorkflowRunObject) => Date.parse(r.metadata.creationTimestamp ?? '') || 0;
  return [...runs].sort((a, b) => created(b) - created(a) || b.metadata.name.localeCompare(a.metadata.name));
}
