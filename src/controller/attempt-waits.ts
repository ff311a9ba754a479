// Why a step's Job has not got a running container: its pod cannot be scheduled (no node has room),
// its image cannot be pulled, its container cannot be created, or it has no pod at all (usually a
// ResourceQuota or LimitRange refusing pods, which the Job controller reports only in Events).
// Pure: the Jobs, pods and the time come in; the reconciler says the first reason in the run's
// Reconciling condition, so `kubectl get wfr` and Argo CD/Flux show why a run makes no progress.
import type { JobObject, PodObject } from './resources.ts';

export interface AttemptWait {
  readonly step: string;
  readonly job: string;
  readonly reason: 'Unschedulable' | 'ImagePullFailed' | 'ContainerNotCreated' | 'NoPod';
  readonly message: string;
  /** NoPod only: past NO_POD_GRACE_MS, worth saying even when no Event says why. */
  readonly longWait?: boolean;
}

/** How long a Job may have no pod before its Events are asked why (the Job controller is quick). */
export const NO_POD_CHECK_MS = 5_000;

/**
 * How long a Job may have no pod before that is worth saying without a reason: a busy cluster
 * (hundreds of Jobs at once) can take several seconds to create pods.
 */
export const NO_POD_GRACE_MS = 30_000;

const IMAGE_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);
const CREATE_REASONS = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

/** Whether a container waiting for this reason holds its step up (reported as the run's wait). */
export function isWaitProblem(reason: string | undefined): boolean {
  return reason !== undefined && (IMAGE_REASONS.has(reason) || CREATE_REASONS.has(reason));
}

/**
 * When a Job without a pod should be looked at again (the end of its grace), or undefined when it
 * has pods or is finished: nothing else would wake its run, as the refusal is only an Event.
 */
export function noPodRecheckAt(job: JobObject, pods: readonly PodObject[]): number | undefined {
  if (pods.length > 0 || isJobFinished(job)) return undefined;
  const created = Date.parse(job.metadata.creationTimestamp ?? '');
  return Number.isFinite(created) ? created + NO_POD_CHECK_MS : undefined;
}

/** Whether the Job has its final condition (Complete or Failed). */
export function isJobFinished(job: Pick<JobObject, 'status'>): boolean {
  return (job.status?.conditions ?? []).some(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}

export function attemptWait(
  step: string,
  job: JobObject,
  pods: readonly PodObject[],
  now: number,
): AttemptWait | undefined {
  const name = job.metadata.name;
  if (isJobFinished(job)) return undefined;
  if (pods.length === 0) {
    const created = Date.parse(job.metadata.creationTimestamp ?? '');
    if (!Number.isFinite(created) || now - created < NO_POD_CHECK_MS) return undefined;
    return {
      step,
      job: name,
      reason: 'NoPod',
      longWait: now - created >= NO_POD_GRACE_MS,
      // The same words at every look (a time, not an age): a message that changed with each reconcile
      // made each one write the run's status, every few seconds while the Job controller lagged.
      message: `step ${step}: Job ${name} has had no pod since ${new Date(created).toISOString()} (kubectl describe job ${name})`,
    };
  }
  for (const pod of pods) {
    const status = pod.status;
    const scheduled = status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (status?.phase === 'Pending' && scheduled?.status === 'False' && scheduled.reason === 'Unschedulable')
      return {
        step,
        job: name,
        reason: 'Unschedulable',
        message: `step ${step}: pod ${pod.metadata.name} cannot be scheduled: ${scheduled.message ?? 'no node fits it'}`,
      };
    for (const c of status?.containerStatuses ?? []) {
      const waiting = c.state?.waiting;
      if (!waiting?.reason) continue;
      if (IMAGE_REASONS.has(waiting.reason))
        return {
          step,
          job: name,
          reason: 'ImagePullFailed',
          message: `step ${step}: pod ${pod.metadata.name}: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`,
        };
      if (CREATE_REASONS.has(waiting.reason))
        return {
          step,
          job: name,
          reason: 'ContainerNotCreated',
          message: `step ${step}: pod ${pod.metadata.name}: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`,
        };
    }
  }
  return undefined;
}
