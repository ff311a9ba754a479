// Which changes of a run's Jobs and pods can change what its reconcile decides or writes. The Job
// controller, the scheduler and the kubelet update each step's pod and Job several times (binding,
// Running, finalizers, counts); a reconcile woken by those decodes the run's state, decides and builds
// its status only to find nothing new. A reconcile reads of them what job-observations.ts (a Job's
// conditions, a pod's end and its container's exit), attempt-waits.ts (why a pod cannot run) and
// vanished-jobs.ts (whether a pod still runs) read: a change of anything else does not wake the run.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { CacheChange } from '../kube/object-cache.ts';
import { isWaitProblem } from './attempt-waits.ts';
import type { JobObject, PodObject } from './resources.ts';

/** Whether a change of a step's Job can matter to its run's reconcile. */
export function jobChangeMatters(change: CacheChange<KubernetesObject>): boolean {
  if (change.type !== 'updated') return true;
  return jobView(change.old as unknown as JobObject) !== jobView(change.object as unknown as JobObject);
}

/** Whether a change of a step's pod can matter to its run's reconcile. */
export function podChangeMatters(change: CacheChange<KubernetesObject>): boolean {
  if (change.type !== 'updated') return true;
  return podView(change.old as unknown as PodObject) !== podView(change.object as unknown as PodObject);
}

function jobView(job: JobObject): string {
  return JSON.stringify([
    job.metadata.deletionTimestamp !== undefined,
    job.metadata.ownerReferences?.map((o) => o.uid),
    (job.status?.conditions ?? []).map((c) => [c.type, c.status, c.reason, c.message]),
  ]);
}

const ENDED = new Set(['Succeeded', 'Failed']);

function podView(pod: PodObject): string {
  const status = pod.status;
  const unschedulable = status?.conditions?.find(
    (c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable',
  );
  return JSON.stringify([
    // Pending and Running are alike to a reconcile (both "still running"); only the end counts.
    ENDED.has(status?.phase ?? '') ? status?.phase : 'active',
    pod.metadata.deletionTimestamp !== undefined,
    unschedulable?.message,
    // A container being created or pulled as usual, or running, is just running; a problem or an
    // exit is news.
    (status?.containerStatuses ?? []).flatMap((c) => {
      const waiting = c.state?.waiting;
      const problem = isWaitProblem(waiting?.reason) ? [waiting?.reason, waiting?.message] : [];
      const exit = c.state?.terminated?.exitCode;
      return problem.length > 0 || exit !== undefined ? [[c.name, ...problem, exit]] : [];
    }),
  ]);
}
