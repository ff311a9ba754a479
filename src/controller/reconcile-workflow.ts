// Reconciles a Workflow: validates its spec with the same checks as `conveyor validate` and says what
// is wrong in status.conditions (the API server's schema catches only part of it).
import { formatDiagnostic } from '../spec/diagnostics.ts';
import { loadWorkflowObject } from '../spec/load.ts';
import type { Condition } from './run-conditions.ts';
import type { WorkflowObject } from './resources.ts';

export interface WorkflowStatusPatch {
  readonly observedGeneration?: number;
  readonly conditions: Condition[];
  readonly validation: { severity: string; message: string; path: string }[];
}

/** The status a Workflow should have, or undefined when the current one already says it. */
export function workflowStatus(workflow: WorkflowObject, now: Date): WorkflowStatusPatch | undefined {
  const spec = workflow.spec ?? {};
  const loaded = loadWorkflowObject(
    { ...spec, name: workflow.metadata.name },
    `workflow/${workflow.metadata.name}`,
    ['spec'],
  );
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  const warnings = loaded.diagnostics.length - errors.length;
  const generation = workflow.metadata.generation;
  const previous =
    ((workflow.status ?? {}) as { conditions?: Condition[]; observedGeneration?: number }).conditions ?? [];
  const ready = errors.length === 0;
  const message = ready
    ? `The workflow is valid${warnings ? ` (${warnings} warning(s): see status.validation)` : ''}.`
    : errors.slice(0, 5).map(formatDiagnostic).join('; ') +
      (errors.length > 5 ? ` (and ${errors.length - 5} more)` : '');
  const reason = ready ? 'Valid' : 'InvalidWorkflow';
  const drafts: Omit<Condition, 'lastTransitionTime'>[] = [
    { type: 'Ready', status: ready ? 'True' : 'False', reason, message, observedGeneration: generation },
    { type: 'Stalled', status: ready ? 'False' : 'True', reason, message, observedGeneration: generation },
    {
      type: 'Reconciling',
      status: 'False',
      reason,
      message: 'Validation is done.',
      observedGeneration: generation,
    },
  ];
  const conditions = drafts.map((d) => {
    const old = previous.find((p) => p.type === d.type);
    return {
      ...d,
      lastTransitionTime: old && old.status === d.status ? old.lastTransitionTime : now.toISOString(),
    };
  });
  const current = (workflow.status ?? {}) as { observedGeneration?: number; conditions?: Condition[] };
  const same =
    current.observedGeneration === generation &&
    conditions.every((c) =>
      previous.some((p) => p.type === c.type && p.status === c.status && p.message === c.message),
    );
  if (same) return undefined;
  return {
    observedGeneration: generation,
    conditions,
    validation: loaded.diagnostics
      .slice(0, 50)
      .map((d) => ({ severity: d.severity, message: d.message, path: d.path })),
  };
}
