// Reconciles one WorkflowRun, level-triggered, in ordered steps that each return a result (as Flux's
// source-controller does): load the engine state or start the run (load-run.ts), observe its Jobs,
// approvals and requests (observe-run.ts), let the engine decide, carry out its actions idempotently
// (act-run.ts), then summarise the results into the whole status (run-status.ts, the one author of
// status) and write it once, and say when to look again.
import { decide } from '../engine/index.ts';
import type { Decision, Plan, RunState } from '../engine/types.ts';
import { act } from './act-run.ts';
import { concludeOwnJobs } from './conclude-jobs.ts';
import { isSettledRun } from './finished-run.ts';
import { loadOrStart } from './load-run.ts';
import { observe } from './observe-run.ts';
import type {
  Acted,
  Loaded,
  Observed,
  ReconcileContext,
  ReconcileOutcome,
  RunProblem,
} from './reconcile-context.ts';
import type { WorkflowRunObject } from './resources.ts';
import type { RunObservation } from './run-observer.ts';
import { summariseProblem, summariseRun } from './run-status.ts';
import { statusMergePatch } from './status-merge-patch.ts';

export type { ReconcileContext, ReconcileOutcome } from './reconcile-context.ts';

/** How often a run that waits on something outside (a missing Workflow, a quota) is looked at again. */
const WAIT_RETRY_MS = 10_000;

export async function reconcileRun(ctx: ReconcileContext, run: WorkflowRunObject): Promise<ReconcileOutcome> {
  if (run.metadata.deletionTimestamp) return { actions: [] };
  // Nothing is left to decide for a settled run, unless its notifications still report back.
  if (isSettledRun(run) && !ctx.observer?.followsFinishedRuns) return { actions: [] };
  const now = ctx.now();
  const load = await loadOrStart(ctx, run, now);
  if (!load.ok) return reportProblem(ctx, run, load.problem, now);
  const { loaded } = load;
  const observed = await observe(ctx, run, loaded);
  const decision = decide(loaded.plan, loaded.state, observed.observations, now);
  const acted = await act(ctx, run, loaded, decision, observed.missing);
  // What acting learnt counts now rather than at the next event.
  const final = acted.late.length > 0 ? decide(loaded.plan, decision.state, acted.late, now) : decision;
  const observation = ctx.observer?.observe({
    api: ctx.api,
    run,
    plan: loaded.plan,
    before: loaded.state,
    after: final.state,
    workflow: loaded.workflow,
    now,
  });
  const status = summariseRun({
    run,
    loaded,
    observed,
    acted,
    state: final.state,
    ...(observation ? { reported: observation.results } : {}),
    now,
  });
  await concludeOwnJobs(ctx, run, loaded.plan, final.state);
  await writeStatus(ctx, run, status);
  observation?.commit();
  keepPlanWhileRunning(ctx, run, loaded.plan, final.state);
  return {
    requeueAfterMs: requeueAfter({ decision, final, observed, acted, observation, now }),
    phase: final.state.phase,
    actions: [...decision.actions, ...(final === decision ? [] : final.actions)],
    ...(finishedNow(loaded, final.state)
      ? { finished: { state: final.state, workflow: loaded.workflow } }
      : {}),
  };
}

/**
 * An unchanged status is not written: the write would only wake every watcher of the run. A changed
 * one is written whole: what no longer holds is removed (status-merge-patch.ts).
 */
async function writeStatus(ctx: ReconcileContext, run: WorkflowRunObject, status: object): Promise<void> {
  if (canonical(status) !== canonical(run.status ?? {}))
    await ctx.api.patchRunStatus(run, statusMergePatch(run.status, status as Record<string, unknown>));
}

/**
 * A finished run rarely needs its plan again (a rollback request): it is not kept, unless its
 * notifications may still report back (it is reconciled again while they do).
 */
function keepPlanWhileRunning(
  ctx: ReconcileContext,
  run: WorkflowRunObject,
  plan: Plan,
  state: RunState,
): void {
  if (state.stage === 'done' && !ctx.observer?.followsFinishedRuns) ctx.plans.delete(run.metadata.uid);
  else ctx.plans.set(run.metadata.uid, plan);
}

function finishedNow(loaded: Loaded, state: RunState): boolean {
  return state.stage === 'done' && loaded.state.stage !== 'done';
}

/** When to look again: the engine's next timer, or soon while something outside is awaited. */
function requeueAfter(r: {
  decision: Decision;
  final: Decision;
  observed: Observed;
  acted: Acted;
  observation: RunObservation | undefined;
  now: number;
}): number | undefined {
  const { now, observed } = r;
  const wake = [...r.decision.actions, ...r.final.actions]
    .filter((a) => a.kind === 'wakeAt')
    .map((a) => (a as { at: number }).at);
  let after = wake.length ? Math.max(0, Math.min(...wake) - now) : undefined;
  // Nothing wakes a run when a quota frees up or a Job still has no pod: look again after a while.
  if (r.acted.wait || observed.waits.length > 0) after = Math.min(after ?? WAIT_RETRY_MS, WAIT_RETRY_MS);
  for (const at of [observed.recheckAt, r.acted.recheckAt])
    if (at !== undefined) after = Math.min(after ?? Infinity, Math.max(1000, at - now + 100));
  const alertAt = r.observation?.wakeAt;
  if (alertAt !== undefined) after = Math.min(after ?? Infinity, Math.max(0, alertAt - now));
  return after;
}

/** A run the controller cannot run says why in its status and in a Warning Event, once. */
async function reportProblem(
  ctx: ReconcileContext,
  run: WorkflowRunObject,
  problem: RunProblem,
  now: number,
): Promise<ReconcileOutcome> {
  const { phase, status } = summariseProblem(run, problem, now);
  const requeueAfterMs = problem.kind === 'waiting' ? WAIT_RETRY_MS : undefined;
  if (status) {
    ctx.api.recordEvent(run, 'Warning', problem.reason, problem.message);
    await ctx.api.patchRunStatus(run, status);
  }
  return { requeueAfterMs, phase, actions: [] };
}

/** JSON with sorted keys and without undefined, so that equal statuses compare equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>)
            .filter(([, x]) => x !== undefined)
            .sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}
