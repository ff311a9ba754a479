// A secondary index over an informer's cache: objects grouped by a value computed from each (a Job's
// owning run, a pod's Job), kept up to date from the informer's change events. A reconcile then finds
// a run's Jobs and a Job's pods without walking every cached Job and pod of the namespace, which
// with thousands of them cost more CPU per step than everything else the controller does.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { CacheSource } from './informer-set.ts';
import { objectKey, splitObjectKey } from './object-key.ts';

/** What an index reads of an informer: its objects and their changes. */
export type IndexedSource<T extends KubernetesObject> = Pick<CacheSource<T>, 'list' | 'get' | 'on'>;

export class CacheIndex<T extends KubernetesObject> {
  private readonly groups = new Map<string, Set<string>>();
  /** The value each cached object was filed under, so that a change can move it. */
  private readonly filed = new Map<string, string>();

  constructor(
    private readonly source: IndexedSource<T>,
    /** The values an object is filed under (namespaced by the caller when it matters), or undefined. */
    private readonly valueOf: (object: T) => string | undefined,
  ) {
    for (const object of source.list()) this.file(object);
    source.on('change', (c) =>
      c.type === 'deleted' ? this.unfile(objectKey(c.object)) : this.file(c.object),
    );
  }

  /** The cached objects filed under `value`. */
  get(value: string): T[] {
    const out: T[] = [];
    for (const key of this.groups.get(value) ?? []) {
      const { namespace, name } = splitObjectKey(key);
      const object = this.source.get(namespace, name);
      if (object) out.push(object);
    }
    return out;
  }

  private file(object: T): void {
    const key = objectKey(object);
    const value = this.valueOf(object);
    if (this.filed.get(key) === value) return;
    this.unfile(key);
    if (value === undefined) return;
    this.filed.set(key, value);
    let group = this.groups.get(value);
    if (!group) this.groups.set(value, (group = new Set()));
    group.add(key);
  }

  private unfile(key: string): void {
    const value = this.filed.get(key);
    if (value === undefined) return;
    this.filed.delete(key);
    const group = this.groups.get(value);
    group?.delete(key);
    if (group?.size === 0) this.groups.delete(value);
  }
}
