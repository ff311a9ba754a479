// Watches the pods bound to the test node and gives each its PodWorker; answers log lookups.
import { ListWatch, Watch, type CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { describeError } from './api.ts';
import type { LogLookup } from './log-server.ts';
import type { ContainerLog } from './logs.ts';
import { PodWorker, type WorkerContext } from './pod-worker.ts';

const REWATCH_DELAY_MS = 1_000;

export class PodManager implements LogLookup {
  private readonly workers = new Map<string, PodWorker>();
  private informer: ListWatch<V1Pod> | undefined;
  private stopped = false;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly core: CoreV1Api,
    private readonly nodeName: string,
    private readonly ctx: WorkerContext,
  ) {}

  async start(): Promise<void> {
    const fieldSelector = `spec.nodeName=${this.nodeName}`;
    const informer = new ListWatch<V1Pod>(
      '/api/v1/pods',
      new Watch(this.kubeConfig),
      () => this.core.listPodForAllNamespaces({ fieldSelector }),
      false,
      undefined,
      fieldSelector,
    );
    informer.on('add', (pod) => this.sync(pod));
    informer.on('update', (pod) => this.sync(pod));
    informer.on('delete', (pod) => void this.remove(pod));
    // client-node's informer stops on errors; keep watching, as a kubelet would.
    informer.on('error', (error) => {
      if (this.stopped) return;
      this.ctx.log(`pod watch failed, retrying: ${describeError(error)}`);
      setTimeout(() => void informer.start().catch(() => undefined), REWATCH_DELAY_MS);
    });
    this.informer = informer;
    await informer.start();
  }

  private sync(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid || pod.spec?.nodeName !== this.nodeName) return;
    const worker = this.workers.get(uid);
    if (worker) {
      worker.update(pod);
      return;
    }
    const created = new PodWorker(pod, this.ctx);
    this.workers.set(uid, created);
    created.start();
    created.update(pod);
  }

  private async remove(pod: V1Pod): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    const worker = this.workers.get(uid);
    if (!worker) return;
    this.workers.delete(uid);
    await worker.destroy();
  }

  find(
    namespace: string,
    pod: string,
    container: string,
    previous: boolean,
  ): ContainerLog | { status: number; message: string } {
    const worker = [...this.workers.values()].find((w) => w.namespace === namespace && w.podName === pod);
    if (!worker)
      return { status: 404, message: `pod "${pod}" in namespace "${namespace}" is not on this node` };
    return worker.logFor(container, previous);
  }

  /** Agent shutdown: stop watching and kill every container at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.informer?.stop();
    await Promise.all([...this.workers.values()].map((w) => w.destroy()));
  }
}
