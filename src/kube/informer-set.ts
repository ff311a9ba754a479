// One resource watched in several namespaces: an informer per namespace behind the read interface
// of a single one, so the controller can watch a list of namespaces with namespaced RBAC only.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Informer } from './informer.ts';
import type { CacheChange } from './object-cache.ts';

/** What the controller uses of an informer. */
export interface CacheSource<T extends KubernetesObject> {
  readonly name: string;
  readonly hasSynced: boolean;
  /** See Informer.isCurrent. */
  readonly isCurrent: boolean;
  /** See Informer.describeStaleness. */
  describeStaleness(): string | undefined;
  on(event: 'change', handler: (change: CacheChange<T>) => void): () => void;
  start(): void;
  stop(): Promise<void>;
  waitForSync(signal?: AbortSignal): Promise<boolean>;
  get(namespace: string | undefined, name: string): T | undefined;
  /** See Informer.observeWrite. */
  observeWrite(written: T, basedOn: string | undefined): void;
  list(namespace?: string): T[];
  keys(): string[];
  isWedged(): boolean;
}

export class InformerSet<T extends KubernetesObject> implements CacheSource<T> {
  constructor(
    readonly name: string,
    private readonly byNamespace: ReadonlyMap<string, Informer<T>>,
  ) {}

  get hasSynced(): boolean {
    return [...this.byNamespace.values()].every((i) => i.hasSynced);
  }

  get isCurrent(): boolean {
    return [...this.byNamespace.values()].every((i) => i.isCurrent);
  }

  describeStaleness(): string | undefined {
    const stale = [...this.byNamespace.entries()]
      .map(([namespace, i]) => [namespace, i.describeStaleness()] as const)
      .filter(([, why]) => why !== undefined);
    if (stale.length === 0) return undefined;
    const [namespace, why] = stale[0]!;
    return `namespace ${namespace}: ${why}${stale.length > 1 ? ` (and ${stale.length - 1} more namespaces)` : ''}`;
  }

  on(event: 'change', handler: (change: CacheChange<T>) => void): () => void {
    const offs = [...this.byNamespace.values()].map((i) => i.on(event, handler));
    return () => offs.forEach((off) => off());
  }

  start(): void {
    for (const i of this.byNamespace.values()) i.start();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.byNamespace.values()].map((i) => i.stop()));
  }

  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    const all = await Promise.all([...this.byNamespace.values()].map((i) => i.waitForSync(signal)));
    return all.every(Boolean);
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return namespace === undefined ? undefined : this.byNamespace.get(namespace)?.get(namespace, name);
  }

  observeWrite(written: T, basedOn: string | undefined): void {
    const namespace = written.metadata?.namespace;
    if (namespace !== undefined) this.byNamespace.get(namespace)?.observeWrite(written, basedOn);
  }

  list(namespace?: string): T[] {
    if (namespace !== undefined) return this.byNamespace.get(namespace)?.list(namespace) ?? [];
    return [...this.byNamespace.values()].flatMap((i) => i.list());
  }

  keys(): string[] {
    return [...this.byNamespace.values()].flatMap((i) => i.keys());
  }

  isWedged(): boolean {
    return [...this.byNamespace.values()].some((i) => i.isWedged());
  }
}
