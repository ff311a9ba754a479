// Carrying out what the engine decided for a run: Jobs first (idempotent by name, a few created at a
// time), so that status never claims what does not exist; then cancels and Events. What acting learns
// (a Job refused, a Job name taken, a process that already exited) comes back for the engine.
import { restartAction } from '../engine/index.ts';
import type { Decision, Observation, StartAttemptAction } from '../engine/types.ts';
import { buildJob } from '../executors/kubernetes/job-manifest.ts';
import { jobName } from '../executors/kubernetes/names.ts';
import { recordsEvent } from './event-volume.ts';
import { exitedAttempt, inFlightAttempts, podExit } from './job-observations.ts';
import type { InFlightAttempt } from './job-observations.ts';
import { withOutput } from './observe-run.ts';
import type { Acted, Loaded, ReconcileContext } from './reconcile-context.ts';
import type { WorkflowRunObject } from './resources.ts';
import type { CreateOutcome } from './run-api.ts';

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
  const taken = await jobsOfOthers(ctx, run, starts, outcomes);
  const late: Observation[] = [];
  const jobsOwed: string[] = [];
  let quotaWait: string | undefined;
  starts.forEach((action, i) => {
    const outcome = outcomes[i];
    const other = taken[i];
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
    if (outcome?.kind !== 'refused') return;
    if (outcome.retryable) {
      quotaWait = `Job for ${action.step} is waiting: ${outcome.message}`;
      jobsOwed.push(jobName(run.metadata.name, action.step, action.attempt));
    } else failed(`the API server refused the Job: ${outcome.message}`);
  });
  return { late, jobsOwed, ...(quotaWait !== undefined ? { quotaWait } : {}) };
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
  return late;
}

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
