// Observing a run for the engine: finished Jobs (with their captured output), Jobs that vanished or
// are owed, approvals given and withdrawn in spec.approvals, cancel and rollback requests, and why
// steps wait when nothing seems to move.
import type { Observation, Plan, RunState } from '../engine/types.ts';
import { attemptWait, noPodRecheckAt } from './attempt-waits.ts';
import type { AttemptWait } from './attempt-waits.ts';
import { finishedJob, finishedOwnJob, inFlightAttempts, jobDeadline } from './job-observations.ts';
import type { FinishedJob, InFlightAttempt } from './job-observations.ts';
import type { Loaded, Observed, ReconcileContext } from './reconcile-context.ts';
import type { JobObject, WorkflowRunObject } from './resources.ts';
import { recordedStatus } from './run-status.ts';
import { resolveMissingPod } from './missing-pods.ts';
import { resolveVanishedJob } from './vanished-jobs.ts';
import type { VanishedJob } from './vanished-jobs.ts';
import { ownsPodsOf } from '../executors/kubernetes/job-pod.ts';
import { isAttemptJob, podsOfJob } from './step-objects.ts';

/** The most of a step's log read back as its captured output (the engine enforces its own bound). */
const MAX_OUTPUT_READ = 300 * 1024;
/** How soon a run looks again at an attempt whose Job is not in the cache (see vanished-jobs.ts). */
const VANISHED_RECHECK_MS = 2000;

export async function observe(
  ctx: ReconcileContext,
  run: WorkflowRunObject,
  loaded: Loaded,
): Promise<Observed> {
  const attempts = await observeAttempts(ctx, run, loaded);
  const now = ctx.now();
  const observations = [
    ...attempts.observations,
    ...observeApprovals(run, loaded.plan, loaded.state, now),
    ...observeRequests(run, loaded.state),
  ];
  const stuck = await explainWait(ctx, run, attempts.waits);
  return { ...attempts, observations, ...(stuck ? { stuck } : {}) };
}

/** What one look at an attempt in flight found. */
interface AttemptLook {
  readonly done?: FinishedJob;
  /** Its Job or pod is owed: create it again. */
  readonly create?: boolean;
  readonly wait?: AttemptWait;
  /** Look again then (a deadline, a cache catching up). */
  readonly recheckAt?: number;
}

/** The run's attempts in flight, by their Jobs and pods. */
async function observeAttempts(
  ctx: ReconcileContext,
  run: WorkflowRunObject,
  { plan, state }: Loaded,
): Promise<Omit<Observed, 'stuck'>> {
  const owed = new Set(recordedStatus(run).jobsOwed ?? []);
  const observations: Observation[] = [];
  const missing: InFlightAttempt[] = [];
  const waits: AttemptWait[] = [];
  let recheckAt: number | undefined;
  const jobs = new Map(ctx.api.jobsOf(run).map((j) => [j.metadata.name, j]));
  for (const attempt of inFlightAttempts(plan, state, run.metadata.name)) {
    // A Job under the attempt's name that is not its own is no Job of the attempt (step-objects.ts).
    const cached = jobs.get(attempt.job);
    const job = cached && isAttemptJob(cached, run, attempt.step, attempt.attempt) ? cached : undefined;
    const isOwed = owed.has(attempt.job);
    const look = !job
      ? await lookWithoutJob(ctx, run, attempt, isOwed)
      : ownsPodsOf(job)
        ? await lookAtOwnJob(ctx, run, attempt, job, isOwed)
        : lookAtJob(ctx, run, attempt, job);
    if (look.create) missing.push(attempt);
    if (look.wait) waits.push(look.wait);
    if (look.recheckAt !== undefined) recheckAt = Math.min(recheckAt ?? Infinity, look.recheckAt);
    if (look.done) observations.push(await withOutput(ctx, run, look.done));
  }
  return { observations, missing, waits, ...(recheckAt !== undefined ? { recheckAt } : {}) };
}

async function lookWithoutJob(
  ctx: ReconcileContext,
  run: WorkflowRunObject,
  attempt: InFlightAttempt,
  owed: boolean,
): Promise<AttemptLook> {
  return lookFrom(ctx, await resolveVanishedJob(ctx.api, run, attempt, owed));
}

/** A Job or pod not in the cache: create it, look again soon, or the attempt's end. */
function lookFrom(ctx: ReconcileContext, vanished: VanishedJob): AttemptLook {
  if (vanished.kind === 'create') return { create: true };
  if (vanished.kind === 'wait') return { recheckAt: ctx.now() + VANISHED_RECHECK_MS };
  return { done: vanished.finished };
}

/** A Job whose pod the controller creates: its pod, or its absence, and its deadline tell. */
async function lookAtOwnJob(
  ctx: ReconcileContext,
  run: WorkflowRunObject,
  attempt: InFlightAttempt,
  job: JobObject,
  owed: boolean,
): Promise<AttemptLook> {
  const pods = podsOfJob(ctx.api, job);
  const done = finishedOwnJob(attempt, job, pods, ctx.now());
  if (done) return { done };
  if (pods.length === 0) return lookFrom(ctx, await resolveMissingPod(ctx.api, job, attempt, owed));
  const wait = attemptWait(attempt.step, job, pods, ctx.now());
  const deadline = jobDeadline(job);
  return { ...(wait ? { wait } : {}), ...(deadline !== undefined ? { recheckAt: deadline } : {}) };
}

/** A Job whose pod Kubernetes' Job controller creates. */
function lookAtJob(
  ctx: ReconcileContext,
  run: WorkflowRunObject,
  attempt: InFlightAttempt,
  job: JobObject,
): AttemptLook {
  const pods = podsOfJob(ctx.api, job);
  const done = finishedJob(attempt, job, pods);
  if (done) return { done };
  const wait = attemptWait(attempt.step, job, pods, ctx.now());
  const at = noPodRecheckAt(job, pods);
  // Before its Events are asked: look again then (after that, waiting runs requeue).
  return { ...(wait ? { wait } : {}), ...(at !== undefined && at > ctx.now() ? { recheckAt: at } : {}) };
}

/** Decisions in spec.approvals the engine has not counted, and counted ones no longer there. */
function observeApprovals(run: WorkflowRunObject, plan: Plan, state: RunState, now: number): Observation[] {
  const spec = run.spec ?? {};
  const observations: Observation[] = [];
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
  return observations;
}

/** spec.cancel and spec.rollback, once each. */
function observeRequests(run: WorkflowRunObject, state: RunState): Observation[] {
  const spec = run.spec ?? {};
  const observations: Observation[] = [];
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
  return observations;
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

/** A finished attempt as the engine's observation, with its captured output read from the pod log. */
export async function withOutput(
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
