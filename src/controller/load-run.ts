// The first step of reconciling a run: its plan and engine state as the last reconcile recorded them,
// or, for a run not started yet, its start (start-run.ts). What stops the run here comes back as a
// problem for the summariser, never written here.
import { decodeEngineState } from './engine-state-codec.ts';
import type { Loaded, ReconcileContext, RunProblem } from './reconcile-context.ts';
import type { WorkflowRunObject } from './resources.ts';
import { recordedStatus } from './run-status.ts';
import type { RecordedStatus } from './run-status.ts';
import { loadPinnedPlan, startRun } from './start-run.ts';

export type LoadResult =
  { readonly ok: true; readonly loaded: Loaded } | { readonly ok: false; readonly problem: RunProblem };

export async function loadOrStart(
  ctx: ReconcileContext,
  run: WorkflowRunObject,
  now: number,
): Promise<LoadResult> {
  const status = recordedStatus(run);
  return status.engine !== undefined ? loadStarted(ctx, run, status) : start(ctx, run, now);
}

async function loadStarted(
  ctx: ReconcileContext,
  run: WorkflowRunObject,
  status: RecordedStatus,
): Promise<LoadResult> {
  const decoded = decodeEngineState(status.engine);
  if (!decoded.ok)
    return problem(
      'blocked',
      'InvalidStatus',
      `${decoded.message}. The run cannot continue; create a new run (spec.resumeFrom is not possible either).`,
    );
  const pinned = status.pinnedWorkflow ?? '';
  let plan = ctx.plans.get(run.metadata.uid);
  if (!plan) {
    const p = await loadPinnedPlan(ctx.api, run, pinned, status.pinnedDigest);
    if (!p.ok) return problem(p.reason === 'PinTampered' ? 'stalled' : 'blocked', p.reason, p.message);
    plan = p.plan;
  }
  if (decoded.state.steps.length !== plan.nodes.length)
    return problem(
      'blocked',
      'InvalidStatus',
      'status.engine does not match the pinned workflow (was the status edited by hand?).',
    );
  const loaded: Loaded = {
    plan,
    state: decoded.state,
    pinned,
    ...(status.pinnedDigest !== undefined ? { pinnedDigest: status.pinnedDigest } : {}),
    workflow: status.workflowName ?? decoded.state.workflow,
  };
  return { ok: true, loaded };
}

async function start(ctx: ReconcileContext, run: WorkflowRunObject, now: number): Promise<LoadResult> {
  const started = await startRun(ctx.api, run, now);
  if (!started.ok) {
    const kind = started.retry ? 'waiting' : started.reason === 'PinTampered' ? 'stalled' : 'blocked';
    return problem(kind, started.reason, started.message);
  }
  const loaded: Loaded = {
    plan: started.plan,
    state: started.state,
    pinned: started.pinned,
    pinnedDigest: started.pinnedDigest,
    workflow: started.workflowName,
  };
  return { ok: true, loaded };
}

function problem(kind: RunProblem['kind'], reason: string, message: string): LoadResult {
  return { ok: false, problem: { kind, reason, message } };
}
