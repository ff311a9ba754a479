// Where the leader-election record lives: a coordination.k8s.io/v1 Lease replaced with optimistic
// concurrency (a 409 means someone else wrote first); an interface, so tests use an in-memory store.
import type { KubeConfig, V1Lease } from '@kubernetes/client-node';
import { isNotFound } from './api-error.ts';
import { kubeRequest } from './kube-request.ts';

export interface LeaseRecord {
  /** Who holds the lease; empty when released. */
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime?: Date;
  renewTime?: Date;
  leaseTransitions: number;
}

export interface StoredLease {
  record: LeaseRecord;
  resourceVersion: string;
}

export interface LeaseStore {
  /** "namespace/name", for logs. */
  readonly description: string;
  /** The current record, or undefined when the Lease does not exist. */
  get(): Promise<StoredLease | undefined>;
  /** Creates the Lease; rejects with a 409 when it already exists. */
  create(record: LeaseRecord): Promise<StoredLease>;
  /** Replaces the record if the Lease is still at `resourceVersion`; rejects with a 409 otherwise. */
  update(record: LeaseRecord, resourceVersion: string): Promise<StoredLease>;
}

export function createLeaseStore(kc: KubeConfig, lease: { namespace: string; name: string }): LeaseStore {
  const { namespace, name } = lease;
  const collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  const path = `${collection}/${encodeURIComponent(name)}`;
  // The last Lease read: a replace starts from it so labels and annotations others set survive.
  let last: V1Lease | undefined;
  const remember = (object: V1Lease): StoredLease => {
    last = object;
    return { record: recordOf(object), resourceVersion: object.metadata?.resourceVersion ?? '' };
  };
  return {
    description: `${namespace}/${name}`,
    async get() {
      try {
        return remember(await kubeRequest<V1Lease>(kc, { method: 'GET', path }));
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async create(record) {
      const body = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace },
        spec: specOf(record),
      };
      return remember(await kubeRequest<V1Lease>(kc, { method: 'POST', path: collection, body }));
    },
    async update(record, resourceVersion) {
      const base = last?.metadata?.name === name ? last : undefined;
      const body = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { ...base?.metadata, name, namespace, resourceVersion },
        spec: { ...base?.spec, ...specOf(record) },
      };
      return remember(await kubeRequest<V1Lease>(kc, { method: 'PUT', path, body }));
    },
  };
}

/**
 * Lease times are MicroTime: the API server wants six fractional digits (a plain Date's three are
 * refused), written as client-node's V1MicroTime writes them. Read back, they are strings.
 */
function specOf(record: LeaseRecord): Record<string, string | number> {
  return {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    leaseTransitions: record.leaseTransitions,
    ...(record.acquireTime ? { acquireTime: microTime(record.acquireTime) } : {}),
    ...(record.renewTime ? { renewTime: microTime(record.renewTime) } : {}),
  };
}

/** `2026-01-02T03:04:05.678000Z`. */
function microTime(date: Date): string {
  return `${date.toISOString().slice(0, -1)}000Z`;
}

function recordOf(lease: V1Lease): LeaseRecord {
  const spec = lease.spec ?? {};
  return {
    holderIdentity: spec.holderIdentity ?? '',
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
    leaseTransitions: spec.leaseTransitions ?? 0,
    acquireTime: dateOf(spec.acquireTime),
    renewTime: dateOf(spec.renewTime),
  };
}

function dateOf(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value === 'string' && value) {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}
