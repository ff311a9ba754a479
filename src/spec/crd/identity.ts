// Conveyor's identity in the Kubernetes API, in one place: the API group and version, the kinds, the
// labels and annotations on what the controller makes, and the owner reference that ties those
// objects to their run. Label values always go through `labelValue` (at most 63 characters).
import { boundedName } from '../kubernetes-name.ts';

export const GROUP = 'conveyor.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

export const KINDS = { workflow: 'Workflow', run: 'WorkflowRun' } as const;
export const PLURALS = { workflow: 'workflows', run: 'workflowruns' } as const;

export const LABELS = {
  run: `${GROUP}/run`,
  workflow: `${GROUP}/workflow`,
  step: `${GROUP}/step`,
  attempt: `${GROUP}/attempt`,
  schedule: `${GROUP}/schedule`,
  managedBy: 'app.kubernetes.io/managed-by',
} as const;

/** The value of LABELS.managedBy on everything the controller makes. */
export const MANAGED_BY = 'conveyor';
/**
 * A step Job's spec.managedBy: the controller creates the Job's pod and writes its status itself,
 * and Kubernetes' Job controller leaves it alone (Job managedBy, GA in Kubernetes 1.35).
 */
export const JOB_MANAGER = 'conveyor.dev/controller';

export const ANNOTATIONS = {
  step: `${GROUP}/step-name`,
  attemptId: `${GROUP}/attempt-id`,
  purpose: `${GROUP}/purpose`,
  /** Set to the creator's user name; the admission policies stamp and check it. */
  createdBy: `${GROUP}/created-by`,
  scheduledAt: `${GROUP}/scheduled-at`,
} as const;

/** Label values are at most 63 characters of a restricted set; run and step names may not be. */
export function labelValue(text: string): string {
  if (/^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/.test(text)) return text;
  return boundedName([text]);
}

/** The owner reference that makes a run the controller of an object (garbage-collected with it). */
export function runOwnerReference(run: { readonly name: string; readonly uid: string }): {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: true;
  blockOwnerDeletion: true;
} {
  return {
    apiVersion: API_VERSION,
    kind: KINDS.run,
    name: run.name,
    uid: run.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** A run's objects as `involvedObject` of an Event. */
export function involvedRun<M>(metadata: M): { apiVersion: string; kind: string; metadata: M } {
  return { apiVersion: API_VERSION, kind: KINDS.run, metadata };
}

/** A Workflow as `involvedObject` of an Event. */
export function involvedWorkflow<M>(metadata: M): { apiVersion: string; kind: string; metadata: M } {
  return { apiVersion: API_VERSION, kind: KINDS.workflow, metadata };
}
