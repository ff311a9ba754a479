// Object keys: "namespace/name" for namespaced objects and "name" for cluster-scoped ones, the same
// form client-go's MetaNamespaceKeyFunc uses, so keys read the same in logs, caches and the queue.
import type { KubernetesObject } from '@kubernetes/client-node';

export function objectKey(obj: KubernetesObject): string {
  const name = obj.metadata?.name ?? '';
  const namespace = obj.metadata?.namespace;
  return namespace ? `${namespace}/${name}` : name;
}

export function keyOf(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export function splitObjectKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf('/');
  if (slash === -1) return { name: key };
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
