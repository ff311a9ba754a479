// The parameters of `retry RUN --cluster --set/--parameter-file`: the overrides over RUN's own (as
// `argo retry -p`), checked here as `run` checks them, against the workflow the new run will start
// from (its Workflow as it is now, or RUN's inline workflow), so that a mistyped name or a bad value
// is refused with its location before a WorkflowRun exists, not found failing by the controller.
import type { WorkflowRunObject } from '../../controller/resources.ts';
import { formatDiagnostic } from '../../spec/diagnostics.ts';
import { loadWorkflowObject } from '../../spec/load.ts';
import { resolveRunContext } from '../../spec/run-context.ts';
import { UsageError } from '../exit-codes.ts';
import { formatInputProblem, type ParameterOrigins } from '../run-inputs.ts';
import type { ClusterApi } from './api.ts';

export type CheckedParameters =
  | { readonly ok: true; readonly parameters: Record<string, unknown> }
  | { readonly ok: false; readonly errors: readonly string[] };

export async function retryParameters(
  api: ClusterApi,
  previous: WorkflowRunObject,
  overrides: { readonly parameters: Record<string, unknown>; readonly origins: ParameterOrigins },
  runName: string,
): Promise<CheckedParameters> {
  const source = await workflowOfRetry(api, previous, runName);
  const loaded = loadWorkflowObject(source.document, source.origin, source.pathPrefix);
  if (!loaded.workflow) {
    return {
      ok: false,
      errors: loaded.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic),
    };
  }
  const parameters = { ...(previous.spec?.parameters ?? {}), ...overrides.parameters };
  const environment = previous.spec?.environment;
  const context = resolveRunContext(loaded.workflow, {
    parameters,
    ...(environment === undefined ? {} : { environment }),
    runId: runName,
  });
  if (!context.ok)
    return {
      ok: false,
      errors: context.problems.map((p) => formatInputProblem(source.origin, p, overrides.origins)),
    };
  return { ok: true, parameters };
}

/** The document the controller will start the new run from (start-run.ts: workflowSource). */
async function workflowOfRetry(
  api: ClusterApi,
  previous: WorkflowRunObject,
  runName: string,
): Promise<{ document: Record<string, unknown>; origin: string; pathPrefix: string[] }> {
  const spec = previous.spec ?? {};
  const ref = spec.workflowRef?.name;
  if (ref) {
    const wf = await api.getWorkflow(ref);
    if (!wf)
      throw new UsageError(
        `Workflow ${ref}, which ${previous.metadata.name} ran, no longer exists in namespace ${api.namespace}: apply it again to check the parameters against it`,
      );
    return { document: { ...(wf.spec ?? {}), name: ref }, origin: `workflow/${ref}`, pathPrefix: ['spec'] };
  }
  return {
    document: { name: runName, ...(spec.workflow ?? {}) },
    origin: `workflowrun/${previous.metadata.name}`,
    pathPrefix: ['spec', 'workflow'],
  };
}
