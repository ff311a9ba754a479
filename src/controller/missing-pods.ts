// An attempt in flight whose Job the controller manages but whose pod is not in the cache. The pod is
// created in the same reconcile as its Job, before the run's status records the attempt; so once the
// attempt is recorded, a missing pod is either not yet in the cache (the API server has it), owed (the
// API server refused it for now: created again), or gone, deleted before it ended. A gone pod is
// never made again for the same attempt, as its command may have run: the attempt counts as lost.
// The answer has the shape of a vanished Job's (vanished-jobs.ts), and is read the same way.
import type { InFlightAttempt } from './job-observations.ts';
import type { JobObject } from './resources.ts';
import type { RunApi } from './run-api.ts';
import { isJobPod, podNameTaken } from './step-objects.ts';
import { lost } from './vanished-jobs.ts';
import type { VanishedJob } from './vanished-jobs.ts';

export async function resolveMissingPod(
  api: RunApi,
  job: JobObject,
  attempt: InFlightAttempt,
  owed: boolean,
): Promise<VanishedJob> {
  if (owed && !attempt.cancelRequested) return { kind: 'create' };
  const pod = await api.readPod(job.metadata.namespace, attempt.job);
  // Someone else's pod under the name (made after ours was deleted): it is not the attempt's.
  if (pod && !isJobPod(pod, job)) return lost(attempt, 'PodNameTaken', podNameTaken(attempt.job));
  if (pod) return { kind: 'wait' };
  if (attempt.cancelRequested) return lost(attempt, 'Cancelled', 'cancelled: its pod was deleted');
  return lost(
    attempt,
    'PodDeleted',
    `its pod ${attempt.job} was deleted before it ended, and its outcome is unknown; the attempt is not run again`,
  );
}
