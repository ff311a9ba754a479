// A secondary index over an informer cache follows the cache's changes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { CacheIndex } from '../../../src/kube/cache-index.ts';
import type { IndexedSource } from '../../../src/kube/cache-index.ts';
import { ObjectCache } from '../../../src/kube/object-cache.ts';
import type { CacheChange } from '../../../src/kube/object-cache.ts';
import { keyOf } from '../../../src/kube/object-key.ts';

/** An informer's read side over a plain ObjectCache, changed by the test. */
class FakeSource implements IndexedSource<KubernetesObject> {
  readonly cache = new ObjectCache<KubernetesObject>();
  private readonly handlers: ((c: CacheChange<KubernetesObject>) => void)[] = [];
  on(_event: 'change', handler: (c: CacheChange<KubernetesObject>) => void): () => void {
    this.handlers.push(handler);
    return () => {};
  }
  apply(change: CacheChange<KubernetesObject> | undefined): void {
    if (change) for (const h of this.handlers) h(change);
  }
  get(namespace: string | undefined, name: string): KubernetesObject | undefined {
    return this.cache.get(keyOf(namespace, name));
  }
  list(namespace?: string): KubernetesObject[] {
    return this.cache.list(namespace);
  }
}

const pod = (name: string, job: string | undefined, rv: string): KubernetesObject => ({
  metadata: { name, namespace: 'ns', resourceVersion: rv, labels: job ? { 'job-name': job } : {} },
});
const names = (objects: KubernetesObject[]): string[] => objects.map((o) => o.metadata?.name ?? '').sort();

describe('CacheIndex', () => {
  it('files what the cache held already and what it adds, moves what changes, drops what goes', () => {
    const source = new FakeSource();
    source.cache.upsert(pod('a-1', 'a', '1'));
    const index = new CacheIndex(source, (o) => o.metadata?.labels?.['job-name']);
    assert.deepEqual(names(index.get('a')), ['a-1']);

    source.apply(source.cache.upsert(pod('a-2', 'a', '2')));
    source.apply(source.cache.upsert(pod('b-1', 'b', '3')));
    assert.deepEqual(names(index.get('a')), ['a-1', 'a-2']);
    assert.deepEqual(names(index.get('b')), ['b-1']);

    source.apply(source.cache.upsert(pod('a-2', 'b', '4')));
    assert.deepEqual(names(index.get('a')), ['a-1']);
    assert.deepEqual(names(index.get('b')), ['a-2', 'b-1']);

    source.apply(source.cache.upsert(pod('b-1', undefined, '5')));
    assert.deepEqual(names(index.get('b')), ['a-2']);

    source.apply(source.cache.remove(pod('a-1', 'a', '1')));
    assert.deepEqual(index.get('a'), []);
    assert.deepEqual(index.get('nothing'), []);
  });
});
