// A bench's eye on a collection: list, then watch from the list's resourceVersion, recording when
// each object was first seen and first seen finished (client-side times). The API server closes
// watches after a while (and under load sooner): the tracker resumes from the last resourceVersion
// it saw, and lists again when that version is too old (410 Gone), so it never silently stops seeing.
import { setTimeout as delay } from 'node:timers/promises';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import type { KubernetesObject } from '@kubernetes/client-node';
import { kubectl } from '../cluster/kubectl.ts';

interface ListResponse<T> {
  metadata?: { resourceVersion?: string };
  items?: T[];
}

const isGone = (error: unknown): boolean =>
  /\b410\b|Gone|too old resource version/i.test(String((error as Error)?.message ?? error));

export class ObjectTracker<T extends KubernetesObject> {
  readonly added = new Map<string, number>();
  readonly finished = new Map<string, number>();
  readonly objects = new Map<string, T>();
  /** How often the watch was resumed or the collection listed again (for the bench's own honesty). */
  resumes = 0;
  private resourceVersion = '';
  private abort?: AbortController;
  private stopped = false;
  private readonly kc = new KubeConfig();

  constructor(
    private readonly kubeconfig: string,
    private readonly path: string,
    private readonly isFinished: (o: T) => boolean = () => false,
    /** Called once per object, the first time it is seen (the Argo bench writes task results). */
    private readonly onFirstSeen?: (o: T) => void,
    /** Asks the API server to end each watch after this long (tests of the resume); its default otherwise. */
    private readonly watchTimeoutSeconds?: number,
  ) {
    this.kc.loadFromFile(kubeconfig);
  }

  /** Resolves once the initial list is recorded and the watch is open. */
  async start(): Promise<void> {
    await this.list();
    await this.watch();
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }

  private record(object: T): void {
    const now = performance.now();
    const name = object.metadata?.name ?? '';
    if (!this.added.has(name)) {
      this.added.set(name, now);
      this.onFirstSeen?.(object);
    }
    this.objects.set(name, object);
    if (!this.finished.has(name) && this.isFinished(object)) this.finished.set(name, now);
    const rv = object.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
  }

  private async list(): Promise<void> {
    const { stdout } = await kubectl(['get', '--raw', this.path], { kubeconfig: this.kubeconfig });
    const list = JSON.parse(stdout) as ListResponse<T>;
    for (const item of list.items ?? []) this.record(item);
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
  }

  private async watch(): Promise<void> {
    const watch = new Watch(this.kc);
    this.abort = await watch.watch(
      this.path,
      {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        ...(this.watchTimeoutSeconds ? { timeoutSeconds: this.watchTimeoutSeconds } : {}),
      },
      (type, object: T) => {
        if (type === 'BOOKMARK') {
          const rv = object.metadata?.resourceVersion;
          if (rv) this.resourceVersion = rv;
          return;
        }
        if (type === 'ERROR') {
          // A 410 inside the stream: the next watch must start from a fresh list.
          this.resourceVersion = '';
          return;
        }
        if (type !== 'DELETED') this.record(object);
      },
      (error) => {
        if (this.stopped) return;
        void this.resume(error);
      },
    );
  }

  private async resume(error: unknown): Promise<void> {
    this.resumes++;
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        if (!this.resourceVersion || isGone(error)) await this.list();
        await this.watch();
        return;
      } catch (next) {
        error = next;
        await delay(Math.min(5000, 200 * 2 ** attempt));
      }
    }
  }
}
