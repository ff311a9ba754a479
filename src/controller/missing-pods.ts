// An attempt in flight whose Job the controller manages but whose pod is not in the cache. The pod is
// created in the same reconcile as its Job, before the run's status records the attempt; so once the
// attempt is recorded, a missing pod is either not yet in the cache (the API server has it), owed (the
// API server refused it for now: created again), or gone, deleted before it ended. A gone pod is
// never made again for the same attempt, as its command may have run: the attempt counts as lost.
import type { FinishedJob, InFlightAttempt } from './job-observations.ts';
import type { RunApi } from './run-api.ts';

export type MissingPod =
  /** Owed: create it (its name, the Job's, makes that safe). */
  | { readonly kind: 'create' }
  /** Look again soon: the API server has it and the cache has not caught up. */
  | { readonly kind: 'wait' }
  | { readonly kind: 'lost'; readonly finished: FinishedJob };

export async function resolveMissingPod(
  api: RunApi,
  namespace: string,
  attempt: InFlightAttempt,
  owed: boolean,
): Promise<MissingPod> {
  if (owed && !attempt.cancelRequested) return { kind: 'create' };
  if (await api.readPod(namespace, attempt.job)) return { kind: 'wait' };
  const cancelled = attempt.cancelRequested;
  return {
    kind: 'lost',
    finished: {
      attempt,
      observation: {
        kind: 'attemptFinished',
        step: attempt.step,
        attempt: attempt.attempt,
        exitCode: null,
        error: cancelled
          ? 'cancelled: its pod was deleted'
          : `its pod ${attempt.job} was deleted before it ended, and its outcome is unknown; the attempt is not run again`,
        ...(cancelled ? {} : { errorReason: 'PodDeleted' }),
      },
    },
  };
}
