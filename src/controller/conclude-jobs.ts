// Jobs the controller manages (spec.managedBy) get their final status from it once the engine has
// recorded their attempt's end: Kubernetes' Job controller no longer writes it. Written before the
// run's status, so that a run recorded as finished never leaves a Job that looks as if it still ran;
// any Job missed (a crash between the two writes) is concluded at the next reconcile. A pod still
// running when its attempt ended (the Job's deadline) is deleted first. A write the API server
// refuses (an admission policy) is reported and does not stop the run.
import type { Plan, RunState } from '../engine/types.ts';
import { jobName } from '../executors/kubernetes/names.ts';
import { ownsPodsOf } from '../executors/kubernetes/job-pod.ts';
import { finishedJobStatus } from '../executors/kubernetes/job-status.ts';
import type { EndedAttempt } from '../executors/kubernetes/job-status.ts';
import { isJobFinished } from './attempt-waits.ts';
import type { ReconcileContext } from './reconcile-context.ts';
import { isAttemptJob, podsOfJob } from './step-objects.ts';
import type { WorkflowRunObject } from './resources.ts';

export async function concludeOwnJobs(
  ctx: ReconcileContext,
  run: WorkflowRunObject,
  plan: Plan,
  state: RunState,
): Promise<void> {
  const open = ctx.api
    .jobsOf(run)
    .filter((j) => ownsPodsOf(j) && !isJobFinished(j) && j.metadata.deletionTimestamp === undefined);
  if (open.length === 0) return;
  const ended = endedAttempts(plan, state, run.metadata.name);
  const { namespace } = run.metadata;
  await Promise.all(
    open.map(async (job) => {
      const ends = ended.get(job.metadata.name);
      // Only the attempt's own Job: one made first under its name by someone else is left alone.
      if (!ends || !isAttemptJob(job, run, ends.step, ends.attempt)) return;
      const attempt = ends.ended;
      for (const pod of podsOfJob(ctx.api, job)) {
        const phase = pod.status?.phase;
        if (phase !== 'Succeeded' && phase !== 'Failed' && pod.metadata.deletionTimestamp === undefined)
          await ctx.api.deletePod(namespace, pod.metadata.name);
      }
      const { refused } = await ctx.api.patchJobStatus(job, finishedJobStatus(job, attempt, ctx.now()));
      // The run's own record is what counts: a Job left looking unfinished does not hold it up.
      if (refused !== undefined)
        ctx.api.recordEvent(
          run,
          'Warning',
          'JobStatusRefused',
          `the API server refused the final status of Job ${job.metadata.name}: ${refused}`,
        );
    }),
  );
}

/** Attempts that succeeded or failed, by Job name (cancelled ones have their Job deleted instead). */
function endedAttempts(
  plan: Plan,
  state: RunState,
  run: string,
): Map<string, { step: string; attempt: number; ended: EndedAttempt }> {
  const out = new Map<string, { step: string; attempt: number; ended: EndedAttempt }>();
  for (const node of plan.nodes) {
    for (const record of state.steps[node.index]?.history ?? []) {
      if (record.outcome !== 'Succeeded' && record.outcome !== 'Failed') continue;
      out.set(jobName(run, node.name, record.attempt), {
        step: node.name,
        attempt: record.attempt,
        ended: {
          outcome: record.outcome,
          ...(record.timedOut ? { timedOut: true } : {}),
          ...(record.startedAt !== undefined ? { startedAt: record.startedAt } : {}),
          ...(record.finishedAt !== undefined ? { finishedAt: record.finishedAt } : {}),
          ...(record.message !== undefined ? { message: record.message } : {}),
        },
      });
    }
  }
  return out;
}
