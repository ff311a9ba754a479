// Starting a run: find its workflow (by reference or inline), validate it, pin it in an owned
// ConfigMap so that later edits of the Workflow never change the run, resolve the inputs, and
// create the engine's first state (or continue a previous run's state for `resumeFrom`).
import { buildPlan, createRunState, prepareResume } from '../engine/index.ts';
import type { Plan, RunOptions, RunState } from '../engine/types.ts';
import { pinnedWorkflowName } from '../executors/kubernetes/names.ts';
import { ANNOTATIONS, LABELS, labelValue, MANAGED_BY, runOwnerReference } from '../spec/crd/identity.ts';
import { formatDiagnostic } from '../spec/diagnostics.ts';
import { parseDuration } from '../spec/duration.ts';
import { loadWorkflowObject } from '../spec/load.ts';
import type { Workflow } from '../spec/model.ts';
import { resolveRunContext } from '../spec/run-context.ts';
import { decodeEngineState } from './engine-state-codec.ts';
import type { RunApi } from './run-api.ts';
import type { WorkflowRunObject } from './resources.ts';
import { pinDigest, verifyPin } from './verify-pin.ts';

export const PINNED_KEY = 'workflow.json';

export type StartResult =
  | { ok: true; plan: Plan; state: RunState; pinned: string; pinnedDigest: string; workflowName: string }
  | { ok: false; reason: string; message: string; retry?: boolean };

export function runOptions(
  run: WorkflowRunObject,
): { ok: true; options: RunOptions } | { ok: false; message: string } {
  const spec = run.spec ?? {};
  let timeoutMs: number | undefined;
  if (spec.timeout !== undefined) {
    const d = parseDuration(spec.timeout);
    if (!d.ok) return { ok: false, message: `spec.timeout: ${d.message}` };
    timeoutMs = d.ms;
  }
  return {
    ok: true,
    options: {
      ...(typeof spec.parallel === 'number' ? { maxParallel: spec.parallel } : {}),
      ...(spec.continueOnError === true ? { continueOnError: true } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    },
  };
}

/** Loads the pinned workflow of a run that already started, if it is still the one pinned. */
export async function loadPinnedPlan(
  api: RunApi,
  run: WorkflowRunObject,
  pinned: string,
  digest: string | undefined,
): Promise<{ ok: true; plan: Plan } | { ok: false; reason: string; message: string }> {
  const checked = verifyPin(
    await api.getConfigMap(run.metadata.namespace, pinned),
    run.metadata,
    pinned,
    PINNED_KEY,
    digest,
  );
  if (!checked.ok) return checked;
  let doc: unknown;
  try {
    doc = JSON.parse(checked.text);
  } catch (error) {
    return {
      ok: false,
      reason: 'PinnedWorkflowUnavailable',
      message: `the pinned workflow in ${pinned} is not JSON: ${(error as Error).message}`,
    };
  }
  const loaded = loadWorkflowObject(doc, `configmap/${pinned}`);
  if (!loaded.workflow)
    return {
      ok: false,
      reason: 'PinnedWorkflowUnavailable',
      message: loaded.diagnostics.map(formatDiagnostic).join('; '),
    };
  return { ok: true, plan: buildPlan(loaded.workflow) };
}

export async function startRun(api: RunApi, run: WorkflowRunObject, now: number): Promise<StartResult> {
  const source = workflowSource(api, run);
  if (!source.ok) return source;
  const { document, workflowName } = source;
  const loaded = loadWorkflowObject(
    document,
    source.origin,
    run.spec?.workflowRef ? ['spec'] : ['spec', 'workflow'],
  );
  if (!loaded.workflow) {
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
    return {
      ok: false,
      reason: 'InvalidWorkflow',
      message:
        errors.slice(0, 10).join('; ') + (errors.length > 10 ? ` (and ${errors.length - 10} more)` : ''),
    };
  }
  const options = runOptions(run);
  if (!options.ok) return { ok: false, reason: 'InvalidSpec', message: options.message };
  const plan = buildPlan(loaded.workflow);
  const pin = await pinWorkflow(api, run, document);
  if (!pin.ok) return pin;
  const state = firstState(api, run, plan, loaded.workflow, workflowName, options.options, now);
  if (!state.ok) return state;
  return { ok: true, plan, state: state.state, pinned: pin.pinned, pinnedDigest: pin.digest, workflowName };
}

type Failed = Extract<StartResult, { ok: false }>;

/** The workflow document a run starts from: its Workflow's spec, or its inline workflow. */
function workflowSource(
  api: RunApi,
  run: WorkflowRunObject,
): { ok: true; document: Record<string, unknown>; workflowName: string; origin: string } | Failed {
  const { namespace, name } = run.metadata;
  const spec = run.spec ?? {};
  if (spec.workflowRef?.name) {
    const wf = api.getWorkflow(namespace, spec.workflowRef.name);
    if (!wf) {
      return {
        ok: false,
        reason: 'WorkflowNotFound',
        message: `Workflow ${spec.workflowRef.name} does not exist in namespace ${namespace}.`,
        retry: true,
      };
    }
    return {
      ok: true,
      document: { ...(wf.spec ?? {}), name: wf.metadata.name },
      workflowName: wf.metadata.name,
      origin: `workflow/${wf.metadata.name}`,
    };
  }
  if (spec.workflow) {
    const document = { name, ...spec.workflow };
    return { ok: true, document, workflowName: String(document.name), origin: `workflowrun/${name}` };
  }
  return { ok: false, reason: 'InvalidSpec', message: 'spec needs workflowRef or workflow.' };
}

/** Pins the document in an immutable ConfigMap owned by the run (or finds the one a crash left). */
async function pinWorkflow(
  api: RunApi,
  run: WorkflowRunObject,
  document: Record<string, unknown>,
): Promise<{ ok: true; pinned: string; digest: string } | Failed> {
  const { namespace, name } = run.metadata;
  const pinned = pinnedWorkflowName(name);
  const text = JSON.stringify(document);
  const digest = pinDigest(text);
  const created = await api.createConfigMap({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: pinned,
      namespace,
      labels: { [LABELS.run]: labelValue(name), [LABELS.managedBy]: MANAGED_BY },
      ownerReferences: [runOwnerReference(run.metadata)],
    },
    immutable: true,
    data: { [PINNED_KEY]: text },
  });
  if (created.kind === 'exists') {
    // Ours from a start that did not get to write status, or someone else's: only content equal to
    // what we would write now, owned by this run, is ours.
    const checked = verifyPin(
      await api.getConfigMap(namespace, pinned),
      run.metadata,
      pinned,
      PINNED_KEY,
      digest,
    );
    if (!checked.ok) return { ok: false, reason: 'PinTampered', message: checked.message };
  }
  if (created.kind === 'refused')
    return {
      ok: false,
      reason: 'PinFailed',
      message: `cannot pin the workflow: ${created.message}`,
      retry: created.retryable,
    };
  return { ok: true, pinned, digest };
}

/** The engine's first state: fresh from the parameters, or continued from `resumeFrom`. */
function firstState(
  api: RunApi,
  run: WorkflowRunObject,
  plan: Plan,
  workflow: Workflow,
  workflowName: string,
  options: RunOptions,
  now: number,
): { ok: true; state: RunState } | Failed {
  const { namespace, name } = run.metadata;
  const spec = run.spec ?? {};
  if (spec.resumeFrom) {
    const previous = api.getRun(namespace, spec.resumeFrom);
    const decoded = previous ? decodeEngineState(previous.status?.engine) : undefined;
    if (!previous || !decoded?.ok) {
      return {
        ok: false,
        reason: 'ResumeSourceNotFound',
        message: `spec.resumeFrom: run ${spec.resumeFrom} does not exist or has no state to resume.`,
      };
    }
    return { ok: true, state: { ...prepareResume(plan, decoded.state, now, options), runId: name } };
  }
  const context = resolveRunContext(workflow, {
    parameters: spec.parameters ?? {},
    environment: spec.environment,
    runId: name,
  });
  if (!context.ok) {
    return {
      ok: false,
      reason: 'InvalidParameters',
      message: context.problems.map((p) => `${p.subject}: ${p.message}`).join('; '),
    };
  }
  const creator = run.metadata.annotations?.[ANNOTATIONS.createdBy] ?? '';
  const breakers = breakersOf(api, namespace, workflowName);
  return {
    ok: true,
    state: createRunState(plan, { runId: name, context: context.context, creator, breakers, options }, now),
  };
}

/** Circuit breakers carry over from the Workflow's status (runs of inline workflows start closed). */
function breakersOf(api: RunApi, namespace: string, workflow: string): RunState['breakers'] {
  const status = api.getWorkflow(namespace, workflow)?.status as
    { breakers?: RunState['breakers'] } | undefined;
  return status?.breakers && typeof status.breakers === 'object' ? status.breakers : {};
}
