// Reconciles one WorkflowRun, level-triggered: load the engine state (or start the run), observe its
// Jobs, approvals and requests, let the engine decide, carry out its actions idempotently, then
// write status once. Each step returns a result; `summarise` alone turns results into conditions.
import { decide, restartAction } from '../engine/index.ts';
import type { Action, Observation, Plan, RunState, StartAttemptAction } from '../engine/types.ts';
import { buildJob } from '../executors/kubernetes/job-manifest.ts';
import type { JobDefaults } from '../executors/kubernetes/job-manifest.ts';
import { decodeEngineState } from './engine-state-codec.ts';
import { exitedAttempt, finishedJob, inFlightAttempts, podExit } from './job-observations.ts';
import type { FinishedJob, InFlightAttempt } from './job-observations.ts';
import type { CreateOutcome, RunApi } from './run-api.ts';
import { resolveVanishedJob } from './vanished-jobs.ts';
import { jobName } from '../executors/kubernetes/names.ts';
import { runConditions } from './run-conditions.ts';
import type { Condition, RunSituation } from './run-conditions.ts';
import type { RunObserver } from './run-observer.ts';
import { attemptWait, noPodRecheckAt } from './attempt-waits.ts';
import { recordsEvent } from './event-volume.ts';
import type { EventVolume } from './event-volume.ts';
import type { AttemptWait } from './attempt-waits.ts';
import { buildRunStatus } from './run-status.ts';
import { statusMergePatch } from './status-merge-patch.ts';
import type { WorkflowRunObject } from './resources.ts';
import { loadPinnedPlan, startRun } from './start-run.ts';
import { isSettledRun } from './finished-run.ts';

/** The most of a step's log read back as its captured output (the engine enforces its own bound). */
const MAX_OUTPUT_READ = 300 * 1024;
/** How often a run that waits on something outside (a missing Workflow, a quota) is looked at again. */
const WAIT_RETRY_MS = 10_000;

export interface ReconcileContext {
  readonly api: RunApi;
  readonly now: () => number;
  readonly jobDefaults: JobDefaults;
  /**
   * Plans of unfinished runs by uid: building one is the costliest part of a reconcile, and runs are
   * pinned. A run's plan is released when it finishes.
   */
  readonly plans: Map<string, Plan>;
  /** Which engine events become Kubernetes Events (event-volume.ts); notable by default. */
  readonly eventVolume?: EventVolume;
  /** Alerts, notifications and custom metrics of the run (run-observer.ts); optional. */
  readonly observer?: RunObserver;
}

export interface ReconcileOutcome {
  /** Reconcile again after this many ms (a timer of the engine, or a wait). */
  readonly requeueAfterMs?: number;
  readonly phase?: string;
  /** The engine actions carried out, for metrics. */
  readonly actions: readonly Action[];
  /** The run finished in this reconcile. */
  readonly finished?: { readonly state: RunState; readonly workflow: string };
}

interface Loaded {
  readonly plan: Plan;
  readonly state: RunState;
  readonly pinned: string;
  /** The digest of the pinned workflow, recorded when the run started (verify-pin.ts). */
  readonly pinnedDigest?: string;
  readonly workflow: string;
}

export async function reconcileRun(ctx: ReconcileContext, run: WorkflowRunObject): Promise<ReconcileOutcome> {
  if (run.metadata.deletionTimestamp) return { actions: [] };
  // Nothing is left to decide for a settled run, unless its notifications still report back.
  if (isSettledRun(run) && !ctx.observer?.followsFinishedRuns) return { actions: [] };
  const status = (run.status ?? {}) as {
    conditions?: Condition[];
    pinnedWorkflow?: string;
    pinnedDigest?: string;
    workflowName?: string;
    engine?: unknown;
    jobsOwed?: string[];
  };
  const now = ctx.now();

  // 1. Load the engine state, or start the run.
  let loaded: Loaded;
  if (status.engine !== undefined) {
    const decoded = decodeEngineState(status.engine);
    if (!decoded.ok)
      return blocked(
        ctx,
        run,
        'InvalidStatus',
        `${decoded.message}. The run cannot continue; create a new run (spec.resumeFrom is not possible either).`,
      );
    const pinned = status.pinnedWorkflow ?? '';
    let plan = ctx.plans.get(run.metadata.uid);
    if (!plan) {
      const p = await loadPinnedPlan(ctx.api, run, pinned, status.pinnedDigest);
      if (!p.ok && p.reason === 'PinTampered') return stalled(ctx, run, p.reason, p.message);
      if (!p.ok) return blocked(ctx, run, p.reason, p.message);
      plan = p.plan;
    }
    if (decoded.state.steps.length !== plan.nodes.length) {
      return blocked(
        ctx,
        run,
        'InvalidStatus',
        'status.engine does not match the pinned workflow (was the status edited by hand?).',
      );
    }
    loaded = {
      plan,
      state: decoded.state,
      pinned,
      ...(status.pinnedDigest !== undefined ? { pinnedDigest: status.pinnedDigest } : {}),
      workflow: status.workflowName ?? decoded.state.workflow,
    };
  } else {
    const started = await startRun(ctx.api, run, now);
    if (!started.ok) {
      if (started.retry) return waiting(ctx, run, started.reason, started.message);
      if (started.reason === 'PinTampered') return stalled(ctx, run, started.reason, started.message);
      return blocked(ctx, run, started.reason, started.message);
    }
    loaded = {
      plan: started.plan,
      state: started.state,
      pinned: started.pinned,
      pinnedDigest: started.pinnedDigest,
      workflow: started.workflowName,
    };
  }

  // 2. Observe: finished Jobs, approvals, cancel and rollback requests.
  const owed = new Set(status.jobsOwed ?? []);
  const { observations, missing, waits, recheckAt } = await observe(ctx, run, loaded, owed);

  // 3. Decide.
  const decision = decide(loaded.plan, loaded.state, observations, now);
  const state = decision.state;

  // 4. Act: Jobs first (idempotent by name), so that status never claims what does not exist.
  const starts = [
    ...decision.actions.filter((a): a is StartAttemptAction => a.kind === 'startAttempt'),
    // An attempt the engine started whose Job the API server refused for now (a quota): the same
    // Job name makes creating it again safe.
    ...missing
      .map((m) => restartAction(loaded.plan, state, m.step, m.attempt))
      .filter((a): a is StartAttemptAction => a !== undefined),
  ];
  let quotaWait: string | undefined;
  const jobsOwed: string[] = [];
  const stuck = await explainWait(ctx, run, waits);
  /** What acting learnt: Jobs refused for good or owned by another run, processes already exited. */
  const late: Observation[] = [];
  // One decision's Jobs are created together (a few at a time), not one round trip after another.
  const outcomes = await mapLimited(starts, JOB_CREATE_CONCURRENCY, (action) =>
    ctx.api.createJob(
      buildJob(
        {
          name: run.metadata.name,
          namespace: run.metadata.namespace,
          uid: run.metadata.uid,
          workflow: loaded.workflow,
        },
        action,
        loaded.plan.workflow.runner,
        ctx.jobDefaults,
      ),
    ),
  );
  const taken = await jobsOfOthers(ctx, run, starts, outcomes);
  starts.forEach((action, i) => {
    const outcome = outcomes[i];
    const other = taken[i];
    if (other !== undefined)
      late.push({
        kind: 'attemptFinished',
        step: action.step,
        attempt: action.attempt,
        exitCode: null,
        error: other,
        errorReason: 'JobNameTaken',
      });
    if (outcome?.kind !== 'refused') return;
    if (outcome.retryable) {
      quotaWait = `Job for ${action.step} is waiting: ${outcome.message}`;
      jobsOwed.push(jobName(run.metadata.name, action.step, action.attempt));
    } else
      late.push({
        kind: 'attemptFinished',
        step: action.step,
        attempt: action.attempt,
        exitCode: null,
        error: `the API server refused the Job: ${outcome.message}`,
      });
  });
  for (const action of decision.actions) {
    if (action.kind === 'cancelAttempt') {
      const m = inFlightAttempts(loaded.plan, loaded.state, run.metadata.name).find(
        (a) => a.step === action.step && a.attempt === action.attempt,
      );
      if (!m) continue;
      // A process that already exited ends its attempt by that exit, not as cancelled: the Job's
      // conditions may simply lag behind its pod.
      const exit = podExit(ctx.api.podsOf(run.metadata.namespace, m.job));
      if (exit) late.push(await withOutput(ctx, run, exitedAttempt(m, exit)));
      else await ctx.api.deleteJob(run.metadata.namespace, m.job);
    } else if (action.kind === 'event' && recordsEvent(ctx.eventVolume ?? 'notable', action.type)) {
      ctx.api.recordEvent(
        run,
        action.severity === 'info' ? 'Normal' : 'Warning',
        eventReason(action.type),
        action.message,
      );
    }
  }
  // What acting learnt counts now rather than at the next event.
  const final = late.length > 0 ? decide(loaded.plan, state, late, now) : decision;

  // 5. Write status once.
  const awaiting = final.state.steps.filter((s) => s.phase === 'AwaitingApproval').map((s) => s.name);
  const situation: RunSituation = {
    phase: final.state.phase,
    reason: final.state.reason,
    message: final.state.message,
    degraded: final.state.degraded,
    awaiting,
    ...(quotaWait
      ? { waitingOn: { reason: 'QuotaExceeded', message: quotaWait } }
      : stuck
        ? { waitingOn: stuck }
        : {}),
  };
  const observed = ctx.observer?.observe({
    api: ctx.api,
    run,
    plan: loaded.plan,
    before: loaded.state,
    after: final.state,
    workflow: loaded.workflow,
    now,
  });
  const next = {
    ...buildRunStatus(loaded.plan, final.state, run.metadata.name),
    ...observed?.status,
    workflowName: loaded.workflow,
    pinnedWorkflow: loaded.pinned,
    pinnedDigest: loaded.pinnedDigest,
    jobsOwed: jobsOwed.length > 0 ? jobsOwed : undefined,
    observedGeneration: run.metadata.generation,
    conditions: runConditions(situation, run.metadata.generation, status.conditions ?? [], new Date(now)),
  };
  // An unchanged status is not written: the write would only wake every watcher of the run. A
  // changed one is written whole: what no longer holds is removed (status-merge-patch.ts).
  if (canonical(next) !== canonical(run.status ?? {}))
    await ctx.api.patchRunStatus(run, statusMergePatch(run.status, next));
  observed?.commit();
  // A finished run rarely needs its plan again (a rollback request): it is not kept, unless its
  // notifications may still report back (it is reconciled again while they do).
  if (final.state.stage === 'done' && !ctx.observer?.followsFinishedRuns) ctx.plans.delete(run.metadata.uid);
  else ctx.plans.set(run.metadata.uid, loaded.plan);

  // 6. When to look again.
  const wake = [...decision.actions, ...final.actions]
    .filter((a) => a.kind === 'wakeAt')
    .map((a) => (a as { at: number }).at);
  let requeueAfterMs = wake.length ? Math.max(0, Math.min(...wake) - now) : undefined;
  // Nothing wakes a run when a quota frees up or a Job still has no pod: look again after a while.
  if (quotaWait || waits.length > 0)
    requeueAfterMs = Math.min(requeueAfterMs ?? WAIT_RETRY_MS, WAIT_RETRY_MS);
  if (recheckAt !== undefined)
    requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, Math.max(1000, recheckAt - now + 100));
  if (observed?.wakeAt !== undefined)
    requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, Math.max(0, observed.wakeAt - now));
  const justFinished = final.state.stage === 'done' && loaded.state.stage !== 'done';
  return {
    requeueAfterMs,
    phase: final.state.phase,
    actions: [...decision.actions, ...(final === decision ? [] : final.actions)],
    ...(justFinished ? { finished: { state: final.state, workflow: loaded.workflow } } : {}),
  };
}

/**
 * The first reason a step waits: a pod problem as its pod shows it, else a Job without a pod in the
 * Job controller's own words (its FailedCreate Event: a ResourceQuota, a LimitRange, a policy), else,
 * after a long while, just that it has none.
 */
async function explainWait(
  ctx: ReconcileContext,
  run: WorkflowRunObject,
  waits: readonly AttemptWait[],
): Promise<{ reason: string; message: string } | undefined> {
  const shown = waits.find((w) => w.reason !== 'NoPod');
  if (shown) return { reason: shown.reason, message: shown.message };
  const first = waits[0];
  if (!first) return undefined;
  const refusal = await ctx.api.podCreationFailure?.(run.metadata.namespace, first.job);
  if (refusal)
    return {
      reason: /exceeded quota/i.test(refusal) ? 'QuotaExceeded' : 'PodCreateRefused',
      message: `step ${first.step}: Job ${first.job} cannot create its pod: ${refusal}`,
    };
  return first.longWait ? { reason: first.reason, message: first.message } : undefined;
}

async function observe(
  ctx: ReconcileContext,
  run: WorkflowRunObject,
  loaded: Loaded,
  owed: ReadonlySet<string>,
): Promise<{
  observations: Observation[];
  missing: InFlightAttempt[];
  waits: AttemptWait[];
  recheckAt?: number;
}> {
  const { plan, state } = loaded;
  const observations: Observation[] = [];
  const missing: InFlightAttempt[] = [];
  const waits: AttemptWait[] = [];
  let recheckAt: number | undefined;
  const jobs = new Map(ctx.api.jobsOf(run).map((j) => [j.metadata.name, j]));
  for (const attempt of inFlightAttempts(plan, state, run.metadata.name)) {
    const job = jobs.get(attempt.job);
    let done: FinishedJob | undefined;
    if (!job) {
      const vanished = await resolveVanishedJob(ctx.api, run, attempt, owed.has(attempt.job));
      if (vanished.kind === 'create') missing.push(attempt);
      if (vanished.kind === 'wait')
        recheckAt = Math.min(recheckAt ?? Infinity, ctx.now() + VANISHED_RECHECK_MS);
      if (vanished.kind !== 'finished') continue;
      done = vanished.finished;
    } else {
      const pods = ctx.api.podsOf(run.metadata.namespace, attempt.job);
      done = finishedJob(attempt, job, pods);
      if (!done) {
        const wait = attemptWait(attempt.step, job, pods, ctx.now());
        if (wait) waits.push(wait);
        const at = noPodRecheckAt(job, pods);
        // Before its Events are asked: look again then (after that, waiting runs requeue).
        if (at !== undefined && at > ctx.now()) recheckAt = Math.min(recheckAt ?? Infinity, at);
        continue;
      }
    }
    observations.push(await withOutput(ctx, run, done));
  }
  const spec = run.spec ?? {};
  const now = ctx.now();
  for (const [step, byUser] of Object.entries(spec.approvals ?? {})) {
    const known = state.approvals[step]?.decisions ?? {};
    const node = plan.byName.get(step);
    const approval = node === undefined ? undefined : plan.nodes[node]?.step.approval;
    for (const [user, entry] of Object.entries(byUser ?? {})) {
      if (entry?.decision !== 'approved' && entry?.decision !== 'rejected') continue;
      if (known[user]?.decision === entry.decision) continue;
      observations.push({
        kind: 'approvalDecided',
        step,
        user,
        decision: entry.decision,
        ...(entry.comment ? { comment: entry.comment } : {}),
        // The admission policy admitted this entry only for an allowed user or group member, so
        // the membership it checked is vouched for here (the controller cannot see groups).
        groups: approval?.groups ?? [],
        at: now,
      });
    }
  }
  // An entry removed from spec withdraws the decision: status must not go on counting it. Decisions
  // carried over by resumeFrom were never in this run's spec.
  for (const [step, record] of Object.entries(state.approvals)) {
    for (const [user, d] of Object.entries(record.decisions)) {
      if (d.inheritedFrom !== undefined || d.override || d.withdrawnAfterUse) continue;
      const entry = spec.approvals?.[step]?.[user];
      if (entry?.decision === 'approved' || entry?.decision === 'rejected') continue;
      observations.push({ kind: 'approvalWithdrawn', step, user, at: now });
    }
  }
  if (spec.cancel === true && state.stage !== 'done' && state.stop?.reason !== 'Cancelled') {
    observations.push({ kind: 'cancelRequested', message: 'spec.cancel was set' });
  }
  if (
    spec.rollback === true &&
    state.stage === 'done' &&
    state.phase !== 'Succeeded' &&
    state.rollback?.trigger !== 'manual'
  ) {
    observations.push({ kind: 'rollbackRequested' });
  }
  return { observations, missing, waits, ...(recheckAt !== undefined ? { recheckAt } : {}) };
}

/** A finished attempt as the engine's observation, with its captured output read from the pod log. */
async function withOutput(
  ctx: ReconcileContext,
  run: WorkflowRunObject,
  done: FinishedJob,
): Promise<Observation> {
  let output: string | undefined;
  if (done.attempt.captureOutput && done.pod)
    output = await ctx.api.readLog(run.metadata.namespace, done.pod, MAX_OUTPUT_READ);
  return {
    ...done.observation,
    ...(output !== undefined ? { output } : {}),
    ...(output !== undefined && Buffer.byteLength(output) >= MAX_OUTPUT_READ
      ? { outputTruncated: true }
      : {}),
  };
}

/** How soon a run looks again at an attempt whose Job is not in the cache (see vanished-jobs.ts). */
const VANISHED_RECHECK_MS = 2000;

/**
 * For each start whose Job already existed: why it is not ours, when another object owns it (a Job
 * is never adopted from another run, whatever its name).
 */
async function jobsOfOthers(
  ctx: ReconcileContext,
  run: WorkflowRunObject,
  starts: readonly StartAttemptAction[],
  outcomes: readonly CreateOutcome[],
): Promise<(string | undefined)[]> {
  return Promise.all(
    starts.map(async (action, i) => {
      if (outcomes[i]?.kind !== 'exists') return undefined;
      const name = jobName(run.metadata.name, action.step, action.attempt);
      const job = await ctx.api.readJob(run.metadata.namespace, name);
      if (!job || job.metadata.ownerReferences?.some((o) => o.uid === run.metadata.uid)) return undefined;
      return `a Job named ${name} exists and belongs to something else; it is not adopted`;
    }),
  );
}

/** At most this many Job creations of one reconcile are in flight at once. */
const JOB_CREATE_CONCURRENCY = 5;

async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
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

function eventReason(type: string): string {
  return type.replace(/(^|_)([a-z])/g, (_m, _s: string, c: string) => c.toUpperCase());
}

async function blocked(
  ctx: ReconcileContext,
  run: WorkflowRunObject,
  reason: string,
  message: string,
): Promise<ReconcileOutcome> {
  return writeProblem(ctx, run, { blocked: { reason, message } }, undefined);
}

/** Stops the run where it is: its phase stays, Stalled=True says why, and nothing more starts. */
async function stalled(
  ctx: ReconcileContext,
  run: WorkflowRunObject,
  reason: string,
  message: string,
): Promise<ReconcileOutcome> {
  return writeProblem(ctx, run, { blocked: { reason, message } }, undefined, true);
}

async function waiting(
  ctx: ReconcileContext,
  run: WorkflowRunObject,
  reason: string,
  message: string,
): Promise<ReconcileOutcome> {
  return writeProblem(ctx, run, { waitingOn: { reason, message } }, WAIT_RETRY_MS);
}

async function writeProblem(
  ctx: ReconcileContext,
  run: WorkflowRunObject,
  problem: Pick<RunSituation, 'blocked' | 'waitingOn'>,
  requeueAfterMs: number | undefined,
  keepPhase = false,
): Promise<ReconcileOutcome> {
  const status = (run.status ?? {}) as { conditions?: Condition[]; phase?: string };
  const phase =
    problem.blocked && !keepPhase
      ? 'Failed'
      : ((status.phase as RunSituation['phase'] | undefined) ?? 'Pending');
  const text = problem.blocked ?? problem.waitingOn;
  const conditions = runConditions(
    { phase, degraded: false, awaiting: [], ...problem },
    run.metadata.generation,
    status.conditions ?? [],
    new Date(ctx.now()),
  );
  const previous = status.conditions?.find((c) => c.type === 'Ready');
  // Writing the same problem again would only churn resourceVersions and wake every watcher.
  if (
    previous &&
    previous.reason === text?.reason &&
    previous.message === text?.message &&
    status.phase === phase
  ) {
    return { requeueAfterMs, phase, actions: [] };
  }
  ctx.api.recordEvent(run, 'Warning', text?.reason ?? 'Problem', text?.message ?? '');
  await ctx.api.patchRunStatus(run, {
    phase,
    reason: text?.reason,
    message: text?.message,
    observedGeneration: run.metadata.generation,
    conditions,
  });
  return { requeueAfterMs, phase, actions: [] };
}
