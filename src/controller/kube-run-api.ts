// RunApi over a real API server: reads from the informers' caches, writes over HTTPS. Every
// error is classified (conflict, already exists, quota, invalid) so that the reconciler decides
// what a failure means instead of guessing from strings.
import type { KubeConfig, KubernetesObject, V1ConfigMap } from '@kubernetes/client-node';
import type { ControllerMetrics } from '../observability/metrics.ts';
import type { EventRecorder } from '../observability/events.ts';
import { GROUP, involvedRun, LABELS, labelValue, PLURALS, VERSION } from '../spec/crd/identity.ts';
import type { CacheSource } from '../kube/informer-set.ts';
import { isConflict, isNotFound, statusCodeOf } from '../kube/api-error.ts';
import { CacheIndex } from '../kube/cache-index.ts';
import { kubeRequest, type KubeCall } from '../kube/kube-request.ts';
import { resourcePath } from '../kube/resource-path.ts';
import type { CreateOutcome, RunApi } from './run-api.ts';
import { ConflictError } from './run-api.ts';
import type { JobObject, PodObject, WorkflowObject, WorkflowRunObject } from './resources.ts';
import type { ConfigMapObject } from './verify-pin.ts';

export interface KubeRunApiOptions {
  readonly kc: KubeConfig;
  readonly workflows: CacheSource<KubernetesObject>;
  readonly runs: CacheSource<KubernetesObject>;
  readonly jobs: CacheSource<KubernetesObject>;
  readonly pods: CacheSource<KubernetesObject>;
  /** FailedCreate Events of Jobs (see Controller). */
  readonly podFailures: CacheSource<KubernetesObject>;
  readonly events: EventRecorder;
  readonly metrics?: ControllerMetrics;
}

const BATCH = 'batch/v1';
const OURS = `${GROUP}/${VERSION}`;

export class KubeRunApi implements RunApi {
  /** Pinned workflows never change (immutable ConfigMaps), so one read per run is enough. */
  private readonly pinned = new Map<string, ConfigMapObject>();
  /** Jobs by the uid of the run that owns them. */
  private readonly jobsByRun: CacheIndex<KubernetesObject>;
  /** Pods by "namespace/job". */
  private readonly podsByJob: CacheIndex<KubernetesObject>;

  constructor(private readonly options: KubeRunApiOptions) {
    this.jobsByRun = new CacheIndex(
      options.jobs,
      (j) => j.metadata?.ownerReferences?.find((o) => o.kind === 'WorkflowRun')?.uid,
    );
    this.podsByJob = new CacheIndex(options.pods, (p) => {
      const job = p.metadata?.labels?.['batch.kubernetes.io/job-name'] ?? p.metadata?.labels?.['job-name'];
      return job === undefined ? undefined : `${p.metadata?.namespace}/${job}`;
    });
  }

  /** One request with the controller's credentials (a PATCH body is a JSON merge patch). */
  private call<T = unknown>(call: KubeCall): Promise<T> {
    return kubeRequest<T>(this.options.kc, call);
  }

  /** Drops what is cached for a ConfigMap that went away with its run. */
  forgetConfigMap(namespace: string, name: string): void {
    this.pinned.delete(`${namespace}/${name}`);
  }

  getWorkflow(namespace: string, name: string): WorkflowObject | undefined {
    return this.options.workflows.get(namespace, name) as unknown as WorkflowObject | undefined;
  }

  getRun(namespace: string, name: string): WorkflowRunObject | undefined {
    return this.options.runs.get(namespace, name) as unknown as WorkflowRunObject | undefined;
  }

  jobsOf(run: WorkflowRunObject): readonly JobObject[] {
    return (this.jobsByRun.get(run.metadata.uid) as unknown as JobObject[]).filter(
      (j) => j.metadata.namespace === run.metadata.namespace && ownedBy(j.metadata, run.metadata.uid),
    );
  }

  podsOf(namespace: string, job: string): readonly PodObject[] {
    return this.podsByJob.get(`${namespace}/${job}`) as unknown as PodObject[];
  }

  podsOfAttempt(run: WorkflowRunObject, step: string, attempt: number): readonly PodObject[] {
    const want = {
      [LABELS.run]: labelValue(run.metadata.name),
      [LABELS.step]: labelValue(step),
      [LABELS.attempt]: String(attempt),
    };
    return (this.options.pods.list(run.metadata.namespace) as unknown as PodObject[]).filter((p) =>
      Object.entries(want).every(([k, v]) => p.metadata.labels?.[k] === v),
    );
  }

  async readJob(namespace: string, name: string): Promise<JobObject | undefined> {
    try {
      return await this.call<JobObject>({
        method: 'GET',
        path: resourcePath(BATCH, namespace, 'jobs', name),
      });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      this.countError('get', 'jobs', error);
      throw error;
    }
  }

  async readPod(namespace: string, name: string): Promise<PodObject | undefined> {
    try {
      return await this.call<PodObject>({ method: 'GET', path: resourcePath('v1', namespace, 'pods', name) });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      this.countError('get', 'pods', error);
      throw error;
    }
  }

  async deletePod(namespace: string, name: string): Promise<void> {
    try {
      await this.call({ method: 'DELETE', path: resourcePath('v1', namespace, 'pods', name) });
    } catch (error) {
      if (isNotFound(error)) return;
      this.countError('delete', 'pods', error);
      throw error;
    }
  }

  async createJob(job: Record<string, unknown>): Promise<CreateOutcome> {
    const namespace = (job.metadata as { namespace: string }).namespace;
    return this.create('create', 'jobs', () =>
      this.call({
        method: 'POST',
        path: resourcePath(BATCH, namespace, 'jobs'),
        query: { fieldValidation: 'Strict' },
        body: job,
      }),
    );
  }

  async createPod(pod: Record<string, unknown>): Promise<CreateOutcome> {
    const namespace = (pod.metadata as { namespace: string }).namespace;
    return this.create('create', 'pods', () =>
      this.call({
        method: 'POST',
        path: resourcePath('v1', namespace, 'pods'),
        query: { fieldValidation: 'Strict' },
        body: pod,
      }),
    );
  }

  async patchJobStatus(job: JobObject, status: Record<string, unknown>): Promise<{ refused?: string }> {
    const { namespace, name, resourceVersion } = job.metadata;
    try {
      const result = await this.call<KubernetesObject>({
        method: 'PATCH',
        path: resourcePath(BATCH, namespace, 'jobs', name, 'status'),
        body: { status },
      });
      // The cache shows the Job finished at once, so the next reconcile does not write it again.
      this.options.jobs.observeWrite(result, resourceVersion);
      return {};
    } catch (error) {
      if (isNotFound(error)) return {};
      this.countError('patch', 'jobs/status', error);
      const code = statusCodeOf(error);
      if (code === 400 || code === 403 || code === 422) return { refused: messageOf(error) };
      throw error;
    }
  }

  async deleteJob(namespace: string, name: string): Promise<void> {
    try {
      await this.call({
        method: 'DELETE',
        path: resourcePath(BATCH, namespace, 'jobs', name),
        query: { propagationPolicy: 'Background' },
      });
    } catch (error) {
      if (isNotFound(error)) return;
      this.countError('delete', 'jobs', error);
      throw error;
    }
  }

  async readLog(namespace: string, pod: string, limitBytes: number): Promise<string | undefined> {
    try {
      return await this.call<string>({
        method: 'GET',
        path: resourcePath('v1', namespace, 'pods', pod, 'log'),
        query: { container: 'step', limitBytes },
      });
    } catch (error) {
      this.countError('get', 'pods/log', error);
      return undefined;
    }
  }

  async getConfigMap(namespace: string, name: string): Promise<ConfigMapObject | undefined> {
    const key = `${namespace}/${name}`;
    const cached = this.pinned.get(key);
    if (cached) return cached;
    try {
      const cm = await this.call<V1ConfigMap>({
        method: 'GET',
        path: resourcePath('v1', namespace, 'configmaps', name),
      });
      const object: ConfigMapObject = {
        metadata: { name: cm.metadata?.name, ownerReferences: cm.metadata?.ownerReferences ?? [] },
        data: cm.data ?? {},
      };
      this.pinned.set(key, object);
      return object;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      this.countError('get', 'configmaps', error);
      throw error;
    }
  }

  async createConfigMap(object: Record<string, unknown>): Promise<CreateOutcome> {
    const namespace = (object.metadata as { namespace: string }).namespace;
    return this.create('create', 'configmaps', () =>
      this.call({ method: 'POST', path: resourcePath('v1', namespace, 'configmaps'), body: object }),
    );
  }

  async patchRunStatus(
    run: WorkflowRunObject,
    status: Record<string, unknown>,
  ): Promise<{ resourceVersion?: string }> {
    // The resourceVersion in the patch makes the write conditional: a stale copy gets a conflict.
    const body = { metadata: { resourceVersion: run.metadata.resourceVersion }, status };
    try {
      const result = await this.call<KubernetesObject>({
        method: 'PATCH',
        path: resourcePath(OURS, run.metadata.namespace, PLURALS.run, run.metadata.name, 'status'),
        body,
      });
      this.options.runs.observeWrite(result, run.metadata.resourceVersion);
      return { resourceVersion: result.metadata?.resourceVersion };
    } catch (error) {
      if (isConflict(error)) throw new ConflictError(`WorkflowRun ${run.metadata.name} changed meanwhile`);
      if (isNotFound(error)) return {};
      this.countError('patch', 'workflowruns/status', error);
      throw error;
    }
  }

  async patchWorkflowStatus(namespace: string, name: string, status: Record<string, unknown>): Promise<void> {
    try {
      await this.call({
        method: 'PATCH',
        path: resourcePath(OURS, namespace, PLURALS.workflow, name, 'status'),
        body: { status },
      });
    } catch (error) {
      if (isNotFound(error)) return;
      this.countError('patch', 'workflows/status', error);
      throw error;
    }
  }

  /** Creates a WorkflowRun (a schedule's); AlreadyExists means another controller was first. */
  async createRun(run: Record<string, unknown>): Promise<CreateOutcome> {
    const namespace = (run.metadata as { namespace: string }).namespace;
    return this.create('create', 'workflowruns', () =>
      this.call({
        method: 'POST',
        path: resourcePath(OURS, namespace, PLURALS.run),
        query: { fieldValidation: 'Strict' },
        body: run,
      }),
    );
  }

  /**
   * The user name the API server knows the controller by: runs it creates must carry it in their
   * created-by annotation, which the approval admission policy checks.
   */
  async whoami(): Promise<string> {
    const review = await this.call<{ status?: { userInfo?: { username?: string } } }>({
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    const user = review.status?.userInfo?.username;
    if (!user) throw new Error('SelfSubjectReview returned no user name');
    return user;
  }

  async deleteRun(namespace: string, name: string): Promise<void> {
    try {
      await this.call({
        method: 'DELETE',
        path: resourcePath(OURS, namespace, PLURALS.run, name),
        query: { propagationPolicy: 'Background' },
      });
    } catch (error) {
      if (isNotFound(error)) return;
      this.countError('delete', 'workflowruns', error);
      throw error;
    }
  }

  async podCreationFailure(namespace: string, job: string): Promise<string | undefined> {
    const events = (this.options.podFailures.list(namespace) as unknown as CoreEvent[]).filter(
      (e) => e.involvedObject?.name === job,
    );
    const time = (e: CoreEvent) =>
      Date.parse(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? '') || 0;
    return events.sort((a, b) => time(b) - time(a))[0]?.message;
  }

  recordEvent(run: WorkflowRunObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    void this.options.events.record(involvedRun(run.metadata) as never, type, reason, message);
  }

  private async create(verb: string, resource: string, call: () => Promise<unknown>): Promise<CreateOutcome> {
    try {
      return { kind: 'created', object: await call() };
    } catch (error) {
      const code = statusCodeOf(error);
      if (code === 409) return { kind: 'exists' };
      this.countError(verb, resource, error);
      const message = messageOf(error);
      if (code === 403 && /exceeded quota|forbidden: exceeded/i.test(message))
        return { kind: 'refused', code, message, retryable: true };
      if (code === 422 || code === 400 || code === 403)
        return { kind: 'refused', code, message, retryable: false };
      // Server errors and timeouts: let the work queue retry with backoff.
      throw error;
    }
  }

  private countError(verb: string, resource: string, error: unknown): void {
    this.options.metrics?.apiErrors.inc({ verb, resource, code: String(statusCodeOf(error) ?? 'network') });
  }
}

function ownedBy(
  meta: { labels?: Readonly<Record<string, string>>; ownerReferences?: readonly { uid?: string }[] },
  uid: string,
): boolean {
  return (
    (meta as { ownerReferences?: readonly { uid?: string }[] }).ownerReferences?.some((o) => o.uid === uid) ??
    false
  );
}

function messageOf(error: unknown): string {
  const body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      return body;
    }
  }
  if (body && typeof body === 'object' && 'message' in body)
    return String((body as { message: unknown }).message);
  return error instanceof Error ? error.message : String(error);
}

/** The fields of a core/v1 Event read here, as they come from the cache (timestamps as strings). */
interface CoreEvent {
  readonly metadata?: { readonly creationTimestamp?: string };
  readonly involvedObject?: { readonly name?: string };
  readonly message?: string;
  readonly lastTimestamp?: string;
  readonly eventTime?: string;
}
