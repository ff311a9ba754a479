// Our RunApi held in memory, for reconciling without a cluster: it keeps objects as the API server
// would (resourceVersions, conditional status writes, AlreadyExists, label values checked), and lets
// a test play the cluster's part: finish a Job, refuse the next Jobs, replace a pin.
import type { CreateOutcome, RunApi } from '../../../../src/controller/run-api.ts';
import { ConflictError } from '../../../../src/controller/run-api.ts';
import type {
  JobObject,
  ObjectMeta,
  PodObject,
  WorkflowObject,
  WorkflowRunObject,
} from '../../../../src/controller/resources.ts';
import type { ConfigMapObject } from '../../../../src/controller/verify-pin.ts';
import { LABELS, labelValue } from '../../../../src/spec/crd/identity.ts';

type Refusal = Extract<CreateOutcome, { kind: 'refused' }>;

export interface RecordedEvent {
  readonly run: string;
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

const key = (namespace: string, name: string): string => `${namespace}/${name}`;
/** What the API server allows as a label value. */
const LABEL_VALUE = /^([A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?$/;

export class MemoryRunApi implements RunApi {
  readonly workflows = new Map<string, WorkflowObject>();
  readonly runs = new Map<string, WorkflowRunObject>();
  readonly jobs = new Map<string, JobObject & { spec?: { managedBy?: string; template?: unknown } }>();
  readonly pods = new Map<string, PodObject>();
  readonly configMaps = new Map<
    string,
    ConfigMapObject & { metadata: { labels?: Record<string, string> } }
  >();
  readonly logs = new Map<string, string>();
  readonly events: RecordedEvent[] = [];
  /** How many status writes reached the "API server". */
  statusWrites = 0;
  /** How many Job status writes (Jobs the controller manages) reached the "API server". */
  jobStatusWrites = 0;
  /** The next Job creations are refused with this (a quota, a policy) until it is cleared. */
  refuseJobs: Refusal | undefined;
  /** Job status writes are refused with this message (an admission policy) until it is cleared. */
  refuseJobStatus: string | undefined;
  /** The next pod creations are refused with this until it is cleared. */
  refusePods: Refusal | undefined;
  /** The "API server's" clock, for creationTimestamp. */
  clock: () => number = () => 0;
  private version = 1;
  private uids = 0;

  addWorkflow(namespace: string, name: string, spec: Record<string, unknown>): WorkflowObject {
    const workflow: WorkflowObject = { metadata: this.meta(namespace, name, {}), spec };
    this.workflows.set(key(namespace, name), workflow);
    return workflow;
  }

  addRun(
    namespace: string,
    name: string,
    spec: WorkflowRunObject['spec'],
    annotations: Record<string, string> = {},
  ): WorkflowRunObject {
    const run: WorkflowRunObject = { metadata: this.meta(namespace, name, annotations), spec: spec ?? {} };
    this.runs.set(key(namespace, name), run);
    return run;
  }

  /** The run as the cache has it now. */
  run(namespace: string, name: string): WorkflowRunObject {
    const run = this.runs.get(key(namespace, name));
    if (!run) throw new Error(`no run ${namespace}/${name}`);
    return run;
  }

  /** A change of the run's spec, as `kubectl patch` makes it (the generation moves). */
  patchRunSpec(namespace: string, name: string, spec: Partial<NonNullable<WorkflowRunObject['spec']>>): void {
    const run = this.run(namespace, name);
    this.runs.set(key(namespace, name), {
      ...run,
      metadata: {
        ...run.metadata,
        generation: (run.metadata.generation ?? 1) + 1,
        resourceVersion: this.nextVersion(),
      },
      spec: { ...run.spec, ...spec },
    });
  }

  /**
   * The Job's container exits: its pod ends with that code, and the Job gets its condition from the
   * Job controller unless the controller manages it (then only the pod changes).
   */
  finishJob(namespace: string, name: string, exitCode: number, log = ''): void {
    const job = this.jobs.get(key(namespace, name));
    if (!job) throw new Error(`no Job ${namespace}/${name}`);
    if (job.spec?.managedBy !== undefined) {
      const pod = this.pods.get(key(namespace, name));
      if (!pod) throw new Error(`Job ${namespace}/${name} is managed by the controller and has no pod`);
      this.pods.set(key(namespace, name), {
        ...pod,
        status: {
          phase: exitCode === 0 ? 'Succeeded' : 'Failed',
          containerStatuses: [{ name: 'step', state: { terminated: { exitCode } } }],
        },
      });
      this.logs.set(key(namespace, name), log);
      return;
    }
    const type = exitCode === 0 ? 'Complete' : 'Failed';
    this.jobs.set(key(namespace, name), {
      ...job,
      status: {
        conditions: [{ type, status: 'True', ...(exitCode === 0 ? {} : { reason: 'BackoffLimitExceeded' }) }],
      },
    });
    const pod = `${name}-pod`;
    this.pods.set(key(namespace, pod), {
      metadata: {
        ...this.meta(namespace, pod, {}),
        labels: { ...job.metadata.labels, 'job-name': name },
        // As the Job controller makes it: controlled by its Job.
        ownerReferences: [{ uid: job.metadata.uid, controller: true }],
      },
      status: {
        phase: exitCode === 0 ? 'Succeeded' : 'Failed',
        containerStatuses: [{ name: 'step', state: { terminated: { exitCode } } }],
      },
    });
    this.logs.set(key(namespace, pod), log);
  }

  // --- RunApi ---

  getWorkflow(namespace: string, name: string): WorkflowObject | undefined {
    return this.workflows.get(key(namespace, name));
  }

  getRun(namespace: string, name: string): WorkflowRunObject | undefined {
    return this.runs.get(key(namespace, name));
  }

  jobsOf(run: WorkflowRunObject): readonly JobObject[] {
    return [...this.jobs.values()].filter(
      (j) =>
        j.metadata.namespace === run.metadata.namespace &&
        j.metadata.ownerReferences?.some((o) => o.uid === run.metadata.uid),
    );
  }

  podsOf(namespace: string, job: string): readonly PodObject[] {
    return [...this.pods.values()].filter(
      (p) => p.metadata.namespace === namespace && p.metadata.labels?.['job-name'] === job,
    );
  }

  podsOfAttempt(run: WorkflowRunObject, step: string, attempt: number): readonly PodObject[] {
    return [...this.pods.values()].filter(
      (p) =>
        p.metadata.namespace === run.metadata.namespace &&
        p.metadata.labels?.[LABELS.run] === labelValue(run.metadata.name) &&
        p.metadata.labels?.[LABELS.step] === labelValue(step) &&
        p.metadata.labels?.[LABELS.attempt] === String(attempt),
    );
  }

  readJob(namespace: string, name: string): Promise<JobObject | undefined> {
    return Promise.resolve(this.jobs.get(key(namespace, name)));
  }

  readPod(namespace: string, name: string): Promise<PodObject | undefined> {
    return Promise.resolve(this.pods.get(key(namespace, name)));
  }

  deletePod(namespace: string, name: string): Promise<void> {
    this.pods.delete(key(namespace, name));
    return Promise.resolve();
  }

  createJob(job: Record<string, unknown>): Promise<CreateOutcome> {
    const metadata = job.metadata as ObjectMeta;
    if (this.refuseJobs) return Promise.resolve(this.refuseJobs);
    const outcome = this.create(this.jobs, metadata, job as unknown as JobObject);
    if (outcome.kind !== 'created') return Promise.resolve(outcome);
    // As the API server does: the selector's labels go on the pod template.
    const stored = this.jobs.get(key(metadata.namespace, metadata.name)) as JobObject & {
      spec: { template: { metadata: { labels: Record<string, string> } } };
    };
    stored.spec.template.metadata.labels = {
      ...stored.spec.template.metadata.labels,
      'job-name': metadata.name,
      'controller-uid': stored.metadata.uid,
    };
    return Promise.resolve({ kind: 'created', object: JSON.parse(JSON.stringify(stored)) as unknown });
  }

  createPod(pod: Record<string, unknown>): Promise<CreateOutcome> {
    if (this.refusePods) return Promise.resolve(this.refusePods);
    const metadata = pod.metadata as ObjectMeta;
    return Promise.resolve(
      this.create(this.pods, metadata, { ...(pod as unknown as PodObject), status: { phase: 'Pending' } }),
    );
  }

  patchJobStatus(job: JobObject, status: Record<string, unknown>): Promise<{ refused?: string }> {
    const at = key(job.metadata.namespace, job.metadata.name);
    const current = this.jobs.get(at);
    if (!current) return Promise.resolve({});
    if (this.refuseJobStatus) return Promise.resolve({ refused: this.refuseJobStatus });
    this.jobStatusWrites++;
    this.jobs.set(at, {
      ...current,
      status: mergePatch(current.status ?? {}, JSON.parse(JSON.stringify(status))) as JobObject['status'],
    });
    return Promise.resolve({});
  }

  deleteJob(namespace: string, name: string): Promise<void> {
    this.jobs.delete(key(namespace, name));
    return Promise.resolve();
  }

  readLog(namespace: string, pod: string, limitBytes: number): Promise<string | undefined> {
    return Promise.resolve(this.logs.get(key(namespace, pod))?.slice(0, limitBytes));
  }

  getConfigMap(namespace: string, name: string): Promise<ConfigMapObject | undefined> {
    return Promise.resolve(this.configMaps.get(key(namespace, name)));
  }

  createConfigMap(object: Record<string, unknown>): Promise<CreateOutcome> {
    const metadata = object.metadata as ObjectMeta;
    return Promise.resolve(
      this.create(this.configMaps, metadata, object as unknown as ConfigMapObject & { metadata: ObjectMeta }),
    );
  }

  patchRunStatus(
    run: WorkflowRunObject,
    status: Record<string, unknown>,
  ): Promise<{ resourceVersion?: string }> {
    const current = this.runs.get(key(run.metadata.namespace, run.metadata.name));
    if (!current) return Promise.resolve({});
    if (current.metadata.resourceVersion !== run.metadata.resourceVersion)
      return Promise.reject(new ConflictError(`WorkflowRun ${run.metadata.name} changed meanwhile`));
    this.statusWrites++;
    const resourceVersion = this.nextVersion();
    this.runs.set(key(run.metadata.namespace, run.metadata.name), {
      ...current,
      metadata: { ...current.metadata, resourceVersion },
      status: mergePatch(current.status ?? {}, JSON.parse(JSON.stringify(status))) as Record<string, unknown>,
    });
    return Promise.resolve({ resourceVersion });
  }

  recordEvent(run: WorkflowRunObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.events.push({ run: run.metadata.name, type, reason, message });
  }

  private create<T extends { metadata: ObjectMeta | ConfigMapObject['metadata'] }>(
    store: Map<string, T>,
    metadata: ObjectMeta,
    object: T,
  ): CreateOutcome {
    const invalid = Object.entries(metadata.labels ?? {}).find(([, v]) => !LABEL_VALUE.test(v));
    if (invalid)
      return {
        kind: 'refused',
        code: 422,
        message: `metadata.labels: Invalid value: "${invalid[1]}": must be no more than 63 bytes`,
        retryable: false,
      };
    const at = key(metadata.namespace, metadata.name);
    if (store.has(at)) return { kind: 'exists' };
    store.set(at, {
      ...(JSON.parse(JSON.stringify(object)) as T),
      metadata: {
        ...metadata,
        uid: `uid-${++this.uids}`,
        resourceVersion: this.nextVersion(),
        creationTimestamp: new Date(this.clock()).toISOString(),
      },
    });
    return { kind: 'created' };
  }

  private meta(namespace: string, name: string, annotations: Record<string, string>): ObjectMeta {
    return {
      name,
      namespace,
      uid: `uid-${++this.uids}`,
      generation: 1,
      resourceVersion: this.nextVersion(),
      creationTimestamp: new Date(0).toISOString(),
      annotations,
    };
  }

  private nextVersion(): string {
    return String(++this.version);
  }
}

/** JSON merge patch (RFC 7386), as the API server applies it to the status subresource. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else if (v !== undefined) out[k] = mergePatch(out[k], v);
  }
  return out;
}
