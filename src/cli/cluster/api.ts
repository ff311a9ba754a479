// The few API calls the CLI makes in cluster mode, over client-node, with every failure turned into
// a ClusterError that carries the API server's own message (an admission policy's refusal, RBAC's
// "forbidden", a schema error) rather than a client stack trace.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import {
  AuthenticationV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  Log,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { CoreV1Event, V1Job, V1Pod } from '@kubernetes/client-node';
import { GROUP, PLURALS, VERSION } from '../../spec/crd/identity.ts';
import type { WorkflowObject, WorkflowRunObject } from '../../controller/resources.ts';
import { statusCodeOf } from '../../kube/api-error.ts';
import { suggest } from '../../template/did-you-mean.ts';
import { UsageError } from '../exit-codes.ts';
import type { ClusterTarget } from './connection.ts';
import { EXIT } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';

/** Who owns the fields the CLI applies (server-side apply). */
export const FIELD_MANAGER = 'conveyor-cli';

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const APPLY_PATCH = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

/** A failed API call: `message` is what the API server said, prefixed with what we were doing. */
export class ClusterError extends Error {
  override readonly name = 'ClusterError';
  constructor(
    message: string,
    readonly statusCode: number | undefined,
  ) {
    super(message);
  }
}

/**
 * How every cluster command ends on an error: an API failure is said on stderr with the command's
 * name (exit 1); anything else (a usage error, a bug) goes on up.
 */
export function clusterFailure(command: string, error: unknown, io: CliIO): number {
  if (error instanceof ClusterError) {
    io.stderr.write(`conveyor ${command}: ${error.message}\n`);
    return EXIT.failed;
  }
  throw error;
}

/** The API server's message from a client-node error (its Status body), else the error's own. */
export function serverMessage(error: unknown): string {
  const body = (error as { body?: unknown } | null)?.body;
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      if (body.trim()) return body.trim();
    }
  }
  const message = (parsed as { message?: unknown } | undefined)?.message;
  if (typeof message === 'string' && message) return message;
  const own = error instanceof Error ? error.message : String(error);
  // Network errors (ECONNREFUSED...) say nothing about where: add it.
  return own;
}

async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const code = statusCodeOf(error);
    const hint =
      code === 404 &&
      /workflow/i.test(what) &&
      /the server could not find the requested resource/.test(serverMessage(error))
        ? ' (are the Conveyor CRDs installed? kubectl apply -f crds/)'
        : '';
    throw new ClusterError(`${what}: ${serverMessage(error)}${hint}`, code);
  }
}

const runs = { group: GROUP, version: VERSION, plural: PLURALS.run };
const workflows = { group: GROUP, version: VERSION, plural: PLURALS.workflow };

export class ClusterApi {
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly batch: BatchV1Api;
  private readonly auth: AuthenticationV1Api;
  readonly namespace: string;

  constructor(readonly target: ClusterTarget) {
    this.custom = target.kc.makeApiClient(CustomObjectsApi);
    this.core = target.kc.makeApiClient(CoreV1Api);
    this.batch = target.kc.makeApiClient(BatchV1Api);
    this.auth = target.kc.makeApiClient(AuthenticationV1Api);
    this.namespace = target.namespace;
  }

  /** The user name the API server knows us by: what the approval policy compares entries with. */
  async whoami(): Promise<string> {
    const review = await call('cannot tell who you are (SelfSubjectReview)', () =>
      this.auth.createSelfSubjectReview({
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      }),
    );
    const user = review.status?.userInfo?.username;
    if (!user)
      throw new ClusterError(
        'the API server did not say who you are (SelfSubjectReview had no user name)',
        undefined,
      );
    return user;
  }

  /** With `dryRun`, the API server checks everything (schema, admission) and stores nothing. */
  applyWorkflow(workflow: Record<string, unknown>, { dryRun = false } = {}): Promise<WorkflowObject> {
    const name = (workflow.metadata as { name: string }).name;
    return call(
      `cannot apply Workflow ${name} in namespace ${this.namespace}`,
      async () =>
        (await this.custom.patchNamespacedCustomObject(
          {
            ...workflows,
            namespace: this.namespace,
            name,
            body: workflow,
            fieldManager: FIELD_MANAGER,
            fieldValidation: 'Strict',
            force: true,
            ...(dryRun ? { dryRun: 'All' } : {}),
          },
          APPLY_PATCH,
        )) as WorkflowObject,
    );
  }

  createRun(run: Record<string, unknown>, { dryRun = false } = {}): Promise<WorkflowRunObject> {
    const name = (run.metadata as { name: string }).name;
    return call(
      `cannot create WorkflowRun ${name} in namespace ${this.namespace}`,
      async () =>
        (await this.custom.createNamespacedCustomObject({
          ...runs,
          namespace: this.namespace,
          body: run,
          fieldValidation: 'Strict',
          ...(dryRun ? { dryRun: 'All' } : {}),
        })) as WorkflowRunObject,
    );
  }

  /** The run, or undefined when it does not exist. */
  async getRun(name: string): Promise<WorkflowRunObject | undefined> {
    try {
      return await call(
        `cannot read WorkflowRun ${name} in namespace ${this.namespace}`,
        async () =>
          (await this.custom.getNamespacedCustomObject({
            ...runs,
            namespace: this.namespace,
            name,
          })) as WorkflowRunObject,
      );
    } catch (error) {
      if ((error as ClusterError).statusCode === 404) return undefined;
      throw error;
    }
  }

  /** The run; a usage error naming the closest run there is when it does not exist. */
  async requireRun(name: string): Promise<WorkflowRunObject> {
    const run = await this.getRun(name);
    if (run) return run;
    const hint = suggest(
      name,
      (await this.listRuns()).map((r) => r.metadata.name),
    );
    throw new UsageError(
      `no WorkflowRun ${name} in namespace ${this.namespace}${hint ? ` (did you mean '${hint}'?)` : ''}`,
    );
  }

  patchRun(name: string, patch: Record<string, unknown>): Promise<WorkflowRunObject> {
    return call(
      `cannot change WorkflowRun ${name} in namespace ${this.namespace}`,
      async () =>
        (await this.custom.patchNamespacedCustomObject(
          { ...runs, namespace: this.namespace, name, body: patch, fieldManager: FIELD_MANAGER },
          MERGE_PATCH,
        )) as WorkflowRunObject,
    );
  }

  async listRuns(): Promise<WorkflowRunObject[]> {
    const list = await call(`cannot list WorkflowRuns in namespace ${this.namespace}`, () =>
      this.custom.listNamespacedCustomObject({ ...runs, namespace: this.namespace }),
    );
    return ((list as { items?: WorkflowRunObject[] }).items ?? []) as WorkflowRunObject[];
  }

  /** Every namespace's runs (`kubectl get workflowruns.conveyor.dev -A`). */
  async listRunsInAllNamespaces(): Promise<WorkflowRunObject[]> {
    const list = await call('cannot list WorkflowRuns in all namespaces', () =>
      this.custom.listClusterCustomObject({ ...runs }),
    );
    return ((list as { items?: WorkflowRunObject[] }).items ?? []) as WorkflowRunObject[];
  }

  /** The Workflow, or undefined when it does not exist. */
  async getWorkflow(name: string): Promise<WorkflowObject | undefined> {
    try {
      return await call(
        `cannot read Workflow ${name} in namespace ${this.namespace}`,
        async () =>
          (await this.custom.getNamespacedCustomObject({
            ...workflows,
            namespace: this.namespace,
            name,
          })) as WorkflowObject,
      );
    } catch (error) {
      if ((error as ClusterError).statusCode === 404) return undefined;
      throw error;
    }
  }

  /** A merge patch; with metadata.resourceVersion in it, a conflict if the Workflow changed since. */
  patchWorkflow(name: string, patch: Record<string, unknown>, fieldManager: string): Promise<WorkflowObject> {
    return call(
      `cannot change Workflow ${name} in namespace ${this.namespace}`,
      async () =>
        (await this.custom.patchNamespacedCustomObject(
          {
            ...workflows,
            namespace: this.namespace,
            name,
            body: patch,
            fieldManager,
            fieldValidation: 'Strict',
          },
          MERGE_PATCH,
        )) as WorkflowObject,
    );
  }

  async listWorkflows(): Promise<WorkflowObject[]> {
    const list = await call(`cannot list Workflows in namespace ${this.namespace}`, () =>
      this.custom.listNamespacedCustomObject({ ...workflows, namespace: this.namespace }),
    );
    return ((list as { items?: WorkflowObject[] }).items ?? []) as WorkflowObject[];
  }

  /** Every namespace's Workflows (`kubectl get workflows.conveyor.dev -A`). */
  async listWorkflowsInAllNamespaces(): Promise<WorkflowObject[]> {
    const list = await call('cannot list Workflows in all namespaces', () =>
      this.custom.listClusterCustomObject({ ...workflows }),
    );
    return ((list as { items?: WorkflowObject[] }).items ?? []) as WorkflowObject[];
  }

  async getConfigMapData(name: string): Promise<Record<string, string> | undefined> {
    try {
      const cm = await call(`cannot read ConfigMap ${name} in namespace ${this.namespace}`, () =>
        this.core.readNamespacedConfigMap({ namespace: this.namespace, name }),
      );
      return cm.data ?? {};
    } catch (error) {
      if ((error as ClusterError).statusCode === 404) return undefined;
      throw error;
    }
  }

  async listJobs(labelSelector: string): Promise<V1Job[]> {
    const list = await call(`cannot list Jobs in namespace ${this.namespace}`, () =>
      this.batch.listNamespacedJob({ namespace: this.namespace, labelSelector }),
    );
    return list.items;
  }

  async listPods(labelSelector: string): Promise<V1Pod[]> {
    const list = await call(`cannot list Pods in namespace ${this.namespace}`, () =>
      this.core.listNamespacedPod({ namespace: this.namespace, labelSelector }),
    );
    return list.items;
  }

  /** The Events about one object of this namespace (a WorkflowRun, a Workflow). */
  async listEvents(kind: string, name: string): Promise<CoreV1Event[]> {
    const list = await call(`cannot list the Events of ${kind} ${name} in namespace ${this.namespace}`, () =>
      this.core.listNamespacedEvent({
        namespace: this.namespace,
        fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}`,
      }),
    );
    return list.items;
  }

  readPodLog(pod: string, container: string): Promise<string> {
    return call(`cannot read the log of pod ${pod}`, () =>
      this.core.readNamespacedPodLog({ namespace: this.namespace, name: pod, container }),
    );
  }

  /**
   * Streams a container's log line by line as it is written, until the container ends or `signal`
   * aborts (then the partial last line, if any, is passed on too).
   */
  async followPodLog(
    pod: string,
    container: string,
    onLine: (line: string) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const stream = new PassThrough();
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', onLine);
    const closed = once(lines, 'close');
    const request = await call(`cannot follow the log of pod ${pod}`, () =>
      new Log(this.target.kc).log(this.namespace, pod, container, stream, { follow: true }),
    );
    const stop = () => {
      request.abort();
      stream.end();
    };
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
    await closed;
    signal?.removeEventListener('abort', stop);
  }
}
