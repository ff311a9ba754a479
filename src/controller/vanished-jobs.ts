// An attempt in flight whose Job is not in the cache: either the Job exists and the cache has not
// seen it yet, or the API server refused to create it for now (a quota: it is owed, and created
// again), or it is gone, deleted by someone with or without its pod. A gone Job is never created
// again for the same attempt, since its command may have run: the attempt ends with its pod's exit
// when the pod ended by itself, and otherwise counts as lost (JobDeleted) once no pod of it runs any
// more; an orphaned pod still running is deleted first, so that no new attempt overlaps it.
import type { RunApi } from './run-api.ts';
import type { WorkflowRunObject } from './resources.ts';
import { exitedAttempt, podExit } from './job-observations.ts';
import { isAttemptJob, jobNameTaken } from './step-objects.ts';
import type { FinishedJob, InFlightAttempt } from './job-observations.ts';

export type VanishedJob =
  /** Owed: create it (its name makes that safe). */
  | { readonly kind: 'create' }
  /** Look again later: the Job is there after all, or a pod of the attempt is still stopping. */
  | { readonly kind: 'wait' }
  | { readonly kind: 'finished'; readonly finished: FinishedJob };

export async function resolveVanishedJob(
  api: RunApi,
  run: WorkflowRunObject,
  attempt: InFlightAttempt,
  owed: boolean,
): Promise<VanishedJob> {
  if (owed && !attempt.cancelRequested) return { kind: 'create' };
  const { namespace } = run.metadata;
  const job = await api.readJob(namespace, attempt.job);
  if (job) {
    if (isAttemptJob(job, run, attempt.step, attempt.attempt)) return { kind: 'wait' };
    return lost(attempt, 'JobNameTaken', jobNameTaken(attempt.job));
  }
  const pods = api.podsOfAttempt(run, attempt.step, attempt.attempt);
  const exit = podExit(pods);
  if (exit) return { kind: 'finished', finished: exitedAttempt(attempt, exit) };
  if (attempt.cancelRequested) return lost(attempt, 'Cancelled', 'cancelled: its Job was deleted');
  const running = pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  if (running.length > 0) {
    for (const pod of running)
      if (pod.metadata.deletionTimestamp === undefined) await api.deletePod(namespace, pod.metadata.name);
    return { kind: 'wait' };
  }
  return lost(
    attempt,
    'JobDeleted',
    `its Job ${attempt.job} was deleted while the attempt ran, and its outcome is unknown; the attempt is not run again under the same Job`,
  );
}

/** The attempt ends without an outcome of its own: lost (reason), or cancelled. */
export function lost(attempt: InFlightAttempt, reason: string, message: string): VanishedJob {
  return {
    kind: 'finished',
    finished: {
      attempt,
      observation: {
        kind: 'attemptFinished',
        step: attempt.step,
        attempt: attempt.attempt,
        exitCode: null,
        error: message,
        // A cancelled attempt keeps the engine's own reason (the run's cancel reason).
        ...(reason === 'Cancelled' ? {} : { errorReason: reason }),
      },
    },
  };
}
