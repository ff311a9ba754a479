// The informer's store: the last seen version of every object, keyed by "namespace/name". It only
// reports what changed; the informer decides which handlers to call.
import type { KubernetesObject } from '@kubernetes/client-node';
import { objectKey } from './object-key.ts';

export type CacheChange<T> =
  { type: 'added'; object: T } | { type: 'updated'; object: T; old: T } | { type: 'deleted'; object: T };

export class ObjectCache<T extends KubernetesObject> {
  private readonly objects = new Map<string, T>();

  get size(): number {
    return this.objects.size;
  }

  get(key: string): T | undefined {
    return this.objects.get(key);
  }

  keys(): string[] {
    return [...this.objects.keys()];
  }

  /** Every object, or those of one namespace. */
  list(namespace?: string): T[] {
    const all = [...this.objects.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata?.namespace === namespace);
  }

  /** Stores `object`; undefined when the cache already held this very resourceVersion. */
  upsert(object: T): CacheChange<T> | undefined {
    const key = objectKey(object);
    const old = this.objects.get(key);
    this.objects.set(key, object);
    if (!old) return { type: 'added', object };
    if (isSameVersion(old, object)) return undefined;
    return { type: 'updated', object, old };
  }

  /** Forgets `object`; undefined when it was not cached (a delete we had never seen the add for). */
  remove(object: T): CacheChange<T> | undefined {
    const key = objectKey(object);
    if (!this.objects.delete(key)) return undefined;
    return { type: 'deleted', object };
  }

  /**
   * Makes the cache equal to a fresh list: what is new is added, what changed is updated, and what
   * the list no longer has is deleted with its last known state (the delete event itself was missed,
   * for example during a 410 relist).
   */
  replace(items: readonly T[]): CacheChange<T>[] {
    const changes: CacheChange<T>[] = [];
    const seen = new Set<string>();
    for (const item of items) {
      seen.add(objectKey(item));
      const change = this.upsert(item);
      if (change) changes.push(change);
    }
    for (const [key, object] of this.objects) {
      if (seen.has(key)) continue;
      this.objects.delete(key);
      changes.push({ type: 'deleted', object });
    }
    return changes;
  }
}

function isSameVersion(a: KubernetesObject, b: KubernetesObject): boolean {
  const rv = a.metadata?.resourceVersion;
  return rv !== undefined && rv !== '' && rv === b.metadata?.resourceVersion;
}
