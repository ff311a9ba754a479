// Which Jobs and pods are a step attempt's own. Their names can be computed by anyone (names.ts), and
// a pod is found by the Job name in its labels: someone who may create Jobs or pods in the run's
// namespace but may not approve could make a gated step's Job before its approval, or a pod that
// exits 0 under the Job's name. So a Job is the attempt's only when it carries the labels of the run,
// step and attempt and the run is its controlling owner; a pod is the Job's only when the Job is its
// controlling owner and it carries the Job's labels. Anything else is never adopted or counted: the
// attempt ends as taken. Both can be copied by whoever may create such objects; the API server
// refuses that under the admission policy of crds/step-objects-policy.yaml.
import { LABELS, labelValue } from '../spec/crd/identity.ts';
import type { JobObject, ObjectMeta, PodObject, WorkflowRunObject } from './resources.ts';
import type { RunApi } from './run-api.ts';

/** The labels that tie a Job or pod to one attempt of a run's step. */
const ATTEMPT_LABELS = [LABELS.run, LABELS.step, LABELS.attempt] as const;

/** Whether `job` is the Job the controller made for this attempt of `run`'s `step`. */
export function isAttemptJob(job: JobObject, run: WorkflowRunObject, step: string, attempt: number): boolean {
  const want: Record<(typeof ATTEMPT_LABELS)[number], string> = {
    [LABELS.run]: labelValue(run.metadata.name),
    [LABELS.step]: labelValue(step),
    [LABELS.attempt]: String(attempt),
  };
  return (
    controlledBy(job.metadata, run.metadata.uid) &&
    ATTEMPT_LABELS.every((k) => job.metadata.labels?.[k] === want[k])
  );
}

/** Whether `pod` is a pod of `job` (made by the controller or by the Job controller from its template). */
export function isJobPod(pod: PodObject, job: JobObject): boolean {
  return (
    controlledBy(pod.metadata, job.metadata.uid) &&
    ATTEMPT_LABELS.every(
      (k) => job.metadata.labels?.[k] !== undefined && pod.metadata.labels?.[k] === job.metadata.labels[k],
    )
  );
}

/** The pods of one of the run's Jobs (already known to be an attempt's own): never a stranger's. */
export function podsOfJob(api: RunApi, job: JobObject): PodObject[] {
  return api.podsOf(job.metadata.namespace, job.metadata.name).filter((p) => isJobPod(p, job));
}

/** Why an attempt cannot go on under its Job's name. */
export function jobNameTaken(name: string): string {
  return `a Job named ${name} exists and belongs to something else; it is not adopted`;
}

/** Why an attempt cannot go on under its pod's name. */
export function podNameTaken(name: string): string {
  return `a pod named ${name} exists and belongs to something else; it is not taken for the step's pod`;
}

function controlledBy(meta: ObjectMeta, uid: string): boolean {
  return meta.ownerReferences?.some((o) => o.controller === true && o.uid === uid) ?? false;
}
