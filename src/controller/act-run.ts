// Carrying out what the engine decided for a run: Jobs first (idempotent by name, a few created at a
// time), so that status never claims what does not exist; then cancels and Events. What acting learns
// (a Job refused, a Job name taken, a process that already exited) comes back for the engine.
import { restartAction } from '../engine/index.ts';
import type { Decision, Observation, StartAttemptAction } from '../engine/types.ts';
import { buildJob } from '../executors/kubernetes/job-manifest.ts';
import { buildJobPod, ownsPodsOf } from '../executors/kubernetes/job-pod.ts';
import type { CreatedJob } from '../executors/kubernetes/job-pod.ts';
import { isJobFinished } from './attempt-waits.ts';
import { jobName } from '../executors/kubernetes/names.ts';
import { recordsEvent } from './event-volume.ts';
import { exitedAttempt, inFlightAttempts, podExit } from './job-observations.ts';
import type { InFlightAttempt } from './job-observations.ts';
import { withOutput } from './observe-run.ts';
import type { Acted, Loaded, ReconcileContext } from './reconcile-context.ts';
import type { JobObject, WorkflowRunObject } from './resources.ts';
import type { CreateOutcome } from './run-api.ts';
import { isAttemptJob, isJobPod, jobNameTaken, podNameTaken, podsOfJob } from './step-objects.ts';

/** At most this many Job creations of one reconcile are in flight at once. */
const JOB_CREATE_CONCURRENCY = 5;

export async function act(
  ctx: ReconcileContext,
  run: WorkflowRunObject,
  loaded: Loaded,
  decision: Decision,
  missing: readonly InFlightAttempt[],
): Promise<Acted> {
  const starts = [
    ...decision.actions.filter((a): a is StartAttemptAction => a.kind === 'startAttempt'),
    // An attempt the engine started whose Job the API server refused for now (a quota): the same
    // Job name makes creating it again safe.
    ...missing
      .map((m) => restartAction(loaded.plan, decision.state, m.step, m.attempt))
      .filter((a): a is StartAttemptAction => a !== undefined),
  ];
  const started = await startJobs(ctx, run, loaded, starts);
  const stopped = await carryOut(ctx, run, loaded, decision);
  return { ...started, late: [...started.late, ...stopped] };
}

async function startJobs(
  ctx: ReconcileContext,
  run: WorkflowRunObject,
  loaded: Loaded,
  starts: readonly StartAttemptAction[],
): Promise<Acted> {
  const owner = {
    name: run.metadata.name,
    namespace: run.metadata.namespace,
    uid: run.metadata.uid,
    workflow: loaded.workflow,
  };
  // One decision's Jobs are created together (a few at a time), not one round trip after another.
  const outcomes = await mapLimited(starts, JOB_CREATE_CONCURRENCY, (action) =>
    ctx.api.createJob(buildJob(owner, action, loaded.plan.workflow.runner, ctx.jobDefaults)),
  );
  const existing = await existingJobs(ctx, run, starts, outcomes);
  // Then the pods of the Jobs the controller manages: before the status records the attempts, so
  // that a recorded attempt without a pod means its pod is gone (missing-pods.ts).
  const podOutcomes = await mapLimited(
    starts.map((_, i) => i),
    JOB_CREATE_CONCURRENCY,
    (i) => startPod(ctx, outcomes[i], existing[i]),
  );
  const late: Observation[] = [];
  const jobsOwed: string[] = [];
  let wait: Acted['wait'];
  starts.forEach((action, i) => {
    const outcome = outcomes[i];
    const other = existing[i]?.takenBy;
    const job = jobName(run.metadata.name, action.step, action.attempt);
    const failed = (error: string, errorReason?: string): void => {
      late.push({
        kind: 'attemptFinished',
        step: action.step,
        attempt: action.attempt,
        exitCode: null,
        error,
        ...(errorReason !== undefined ? { errorReason } : {}),
      });
    };
    if (other !== undefined) failed(other, 'JobNameTaken');
    if (outcome?.kind === 'refused') {
      if (!outcome.retryable) return failed(`the API server refused the Job: ${outcome.message}`);
      wait = { reason: 'QuotaExceeded', message: `Job for ${action.step} is waiting: ${outcome.message}` };
      jobsOwed.push(job);
    }
    const pod = podOutcomes[i];
    if (pod?.kind === 'taken') return failed(pod.message, 'PodNameTaken');
    if (pod?.kind !== 'refused') return;
    const refusal = podRefusal(action.step, job, pod);
    if (refusal.failed !== undefined) return failed(refusal.failed);
    wait = refusal.wait;
    jobsOwed.push(job);
  });
  const deadline = firstDeadline(ctx, starts, podOutcomes);
  return {
    late,
    jobsOwed,
    ...(wait !== undefined ? { wait } : {}),
    ...(deadline !== undefined ? { recheckAt: deadline } : {}),
  };
}

/** The controller enforces the deadline of the Jobs whose pods it made: it looks again then. */
function firstDeadline(
  ctx: ReconcileContext,
  starts: readonly StartAttemptAction[],
  pods: readonly (PodStart | undefined)[],
): number | undefined {
  const at = starts
    .filter((a, i) => a.timeoutMs !== undefined && pods[i]?.kind === 'created')
    .map((a) => ctx.now() + Math.max(1, Math.ceil((a.timeoutMs ?? 0) / 1000)) * 1000);
  return at.length > 0 ? Math.min(...at) : undefined;
}

/**
 * What a refused pod means. Invalid: it never will be. Anything else (a quota, a policy, a missing
 * ServiceAccount) may be lifted: the pod is owed, as the Job controller keeps trying to create pods.
 */
function podRefusal(
  step: string,
  job: string,
  pod: Extract<CreateOutcome, { kind: 'refused' }>,
): { failed?: string; wait?: Acted['wait'] } {
  if (pod.code === 422 || pod.code === 400)
    return { failed: `the API server refused the pod: ${pod.message}` };
  return {
    wait: {
      reason: /exceeded quota/i.test(pod.message) ? 'QuotaExceeded' : 'PodCreateRefused',
      message: `step ${step}: Job ${job} cannot create its pod: ${pod.message}`,
    },
  };
}

/** A pod's creation, or a pod of that name that is not the Job's (made first by someone else). */
type PodStart = CreateOutcome | { kind: 'taken'; message: string };

/**
 * Creates the pod of a Job the controller manages, unless the Job has ended or is going. A pod that
 * already has the name is the Job's (a crash between the two creations) only if the Job controls it.
 */
async function startPod(
  ctx: ReconcileContext,
  outcome: CreateOutcome | undefined,
  existing: ExistingJob | undefined,
): Promise<PodStart | undefined> {
  const job = (outcome?.kind === 'created' ? outcome.object : existing?.job) as
    (CreatedJob & { metadata?: { deletionTimestamp?: string }; status?: JobObject['status'] }) | undefined;
  if (!job || !ownsPodsOf(job) || job.metadata?.deletionTimestamp !== undefined) return undefined;
  if (isJobFinished(job)) return undefined;
  const pod = buildJobPod(job);
  const created = await ctx.api.createPod(pod);
  if (created.kind !== 'exists') return created;
  const { name, namespace } = pod.metadata as { name: string; namespace: string };
  const found = await ctx.api.readPod(namespace, name);
  if (found && !isJobPod(found, job as JobObject)) return { kind: 'taken', message: podNameTaken(name) };
  return created;
}
/** Cancels (a process that already exited ends its attempt by that exit) and Events. */
async function carryOut(
  ctx: ReconcileContext,
  run: WorkflowRunObject,
  loaded: Loaded,
  decision: Decision,
): Promise<Observation[]> {
  const late: Observation[] = [];
  for (const action of decision.actions) {
    if (action.kind === 'cancelAttempt') {
      const m = inFlightAttempts(loaded.plan, loaded.state, run.metadata.name).find(
        (a) => a.step === action.step && a.attempt === action.attempt,
      );
      if (!m) continue;
      // A process that already exited ends its attempt by that exit, not as cancelled: the Job's
      // conditions may simply lag behind its pod.
      const job = ctx.api
        .jobsOf(run)
        .find((j) => j.metadata.name === m.job && isAttemptJob(j, run, m.step, m.attempt));
      const exit = podExit(job ? podsOfJob(ctx.api, job) : []);
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
  return late;
}

/** A Job that existed when the start asked for it: ours (its pod may be owed), or another's. */
interface ExistingJob {
  readonly job?: JobObject;
  /**
   * Why it is not ours: it lacks the attempt's labels or the run as its controlling owner (a Job is
   * never adopted from another run, nor from whoever made one first under the name: step-objects.ts).
   */
  readonly takenBy?: string;
}

async function existingJobs(
  ctx: ReconcileContext,
  run: WorkflowRunObject,
  starts: readonly StartAttemptAction[],
  outcomes: readonly CreateOutcome[],
): Promise<(ExistingJob | undefined)[]> {
  return Promise.all(
    starts.map(async (action, i) => {
      if (outcomes[i]?.kind !== 'exists') return undefined;
      const name = jobName(run.metadata.name, action.step, action.attempt);
      const job = await ctx.api.readJob(run.metadata.namespace, name);
      if (!job) return undefined;
      if (isAttemptJob(job, run, action.step, action.attempt)) return { job };
      return { takenBy: jobNameTaken(name) };
    }),
  );
}

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

function eventReason(type: string): string {
  return type.replace(/(^|_)([a-z])/g, (_m, _s: string, c: string) => c.toUpperCase());
}
