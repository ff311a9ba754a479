// What reconciling a run needs from the cluster, as one small interface: reads come from informer
// caches, writes go to the API server. Tests and the benchmark pass their own implementations.
import type { JobObject, PodObject, WorkflowObject, WorkflowRunObject } from './resources.ts';
import type { ConfigMapObject } from './verify-pin.ts';

export type CreateOutcome =
  /** `object`: what the API server returned (with its uid and defaults), when the caller needs it. */
  | { kind: 'created'; object?: unknown }
  | { kind: 'exists' }
  | { kind: 'refused'; code: number; message: string; retryable: boolean };

export interface RunApi {
  getWorkflow(namespace: string, name: string): WorkflowObject | undefined;
  getRun(namespace: string, name: string): WorkflowRunObject | undefined;
  /** Jobs labelled with the run. */
  jobsOf(run: WorkflowRunObject): readonly JobObject[];
  /** Pods of one Job. */
  podsOf(namespace: string, job: string): readonly PodObject[];
  /** Pods of one step attempt of a run, by their labels: found even when their Job is gone. */
  podsOfAttempt(run: WorkflowRunObject, step: string, attempt: number): readonly PodObject[];
  /** The Job as the API server has it now (not a cache), whoever owns it; undefined when absent. */
  readJob(namespace: string, name: string): Promise<JobObject | undefined>;
  /** The pod as the API server has it now (not a cache); undefined when absent. */
  readPod(namespace: string, name: string): Promise<PodObject | undefined>;
  deletePod(namespace: string, name: string): Promise<void>;
  createJob(job: Record<string, unknown>): Promise<CreateOutcome>;
  /** The pod of a Job the controller manages (job-pod.ts). */
  createPod(pod: Record<string, unknown>): Promise<CreateOutcome>;
  /**
   * Merge-patches the status of a Job the controller manages (job-status.ts); says why when the API
   * server refuses it (an admission policy), and throws on errors worth retrying.
   */
  patchJobStatus(job: JobObject, status: Record<string, unknown>): Promise<{ refused?: string }>;
  deleteJob(namespace: string, name: string): Promise<void>;
  /** The container's log, at most `limitBytes`; undefined when it cannot be read (pod gone). */
  readLog(namespace: string, pod: string, limitBytes: number): Promise<string | undefined>;
  getConfigMap(namespace: string, name: string): Promise<ConfigMapObject | undefined>;
  createConfigMap(object: Record<string, unknown>): Promise<CreateOutcome>;
  /** Merge-patches the status subresource; fails with a conflict when `resourceVersion` is stale. */
  patchRunStatus(
    run: WorkflowRunObject,
    status: Record<string, unknown>,
  ): Promise<{ resourceVersion?: string }>;
  recordEvent(run: WorkflowRunObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
  /**
   * Why the Job controller could not create a Job's pod (its latest FailedCreate Event), or
   * undefined; asked only of a Job that has had no pod for a while.
   */
  podCreationFailure?(namespace: string, job: string): Promise<string | undefined>;
}

/** A write lost a race with another writer: the caller requeues and reads again. */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}
