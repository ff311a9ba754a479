// A container's environment as the kubelet builds it: envFrom, then env with $(VAR) expansion and
// valueFrom (Secret, ConfigMap, downward API fields and resources), then $(VAR) in command and args.
import type { CoreV1Api, V1Container, V1Pod } from '@kubernetes/client-node';
import { isNotFound } from './api.ts';
import { parseQuantity } from '../../../src/spec/quantity.ts';

/** A problem the kubelet reports as CreateContainerConfigError; it retries until it is fixed. */
export class ContainerConfigError extends Error {}

export interface EnvContext {
  api: CoreV1Api;
  pod: V1Pod;
  /** Variables every container gets before its own (PATH, HOME, KUBERNETES_SERVICE_HOST...). */
  base: Record<string, string>;
  hostIP: string;
  podIP: string;
  allocatable: { cpu: string; memory: string; ephemeralStorage: string };
}

/** Kubernetes' $(VAR) syntax: defined names are replaced, others kept; $$ escapes a $. */
export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    const next = input[i + 1];
    if (c !== '$' || next === undefined) {
      out += c;
    } else if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const end = input.indexOf(')', i + 2);
      if (end === -1) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, end);
      out += lookup(name) ?? `$(${name})`;
      i = end;
    } else {
      out += c;
    }
  }
  return out;
}

type Source = 'Secret' | 'ConfigMap';

/** Reads Secrets and ConfigMaps once per container start. */
class SourceCache {
  private readonly cache = new Map<string, Record<string, string> | null>();
  constructor(
    private readonly api: CoreV1Api,
    private readonly namespace: string,
  ) {}

  async get(kind: Source, name: string): Promise<Record<string, string> | null> {
    const key = `${kind}/${name}`;
    if (!this.cache.has(key)) this.cache.set(key, await this.fetch(kind, name));
    return this.cache.get(key) ?? null;
  }

  private async fetch(kind: Source, name: string): Promise<Record<string, string> | null> {
    try {
      if (kind === 'Secret') {
        const secret = await this.api.readNamespacedSecret({ name, namespace: this.namespace });
        const data: Record<string, string> = { ...secret.stringData };
        for (const [k, v] of Object.entries(secret.data ?? {}))
          data[k] = Buffer.from(v, 'base64').toString('utf8');
        return data;
      }
      const configMap = await this.api.readNamespacedConfigMap({ name, namespace: this.namespace });
      return { ...configMap.data };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }
}

async function keyRef(
  sources: SourceCache,
  kind: Source,
  ref: { name?: string; key: string; optional?: boolean },
  namespace: string,
): Promise<string | undefined> {
  const name = ref.name ?? '';
  const data = await sources.get(kind, name);
  if (data === null) {
    if (ref.optional) return undefined;
    throw new ContainerConfigError(`${kind.toLowerCase()} "${name}" not found`);
  }
  const value = data[ref.key];
  if (value === undefined && !ref.optional) {
    throw new ContainerConfigError(`couldn't find key ${ref.key} in ${kind} ${namespace}/${name}`);
  }
  return value;
}

function fieldRef(path: string, ctx: EnvContext): string {
  const meta = ctx.pod.metadata ?? {};
  const subscript = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (subscript) {
    const map = subscript[1] === 'labels' ? meta.labels : meta.annotations;
    return map?.[subscript[2] ?? ''] ?? '';
  }
  const formatMap = (map: Record<string, string> | undefined) =>
    Object.entries(map ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join('\n');
  const fields: Record<string, () => string> = {
    'metadata.name': () => meta.name ?? '',
    'metadata.namespace': () => meta.namespace ?? '',
    'metadata.uid': () => meta.uid ?? '',
    'metadata.labels': () => formatMap(meta.labels),
    'metadata.annotations': () => formatMap(meta.annotations),
    'spec.nodeName': () => ctx.pod.spec?.nodeName ?? '',
    'spec.serviceAccountName': () => ctx.pod.spec?.serviceAccountName ?? '',
    'status.hostIP': () => ctx.hostIP,
    'status.hostIPs': () => ctx.hostIP,
    'status.podIP': () => ctx.podIP,
    'status.podIPs': () => ctx.podIP,
  };
  const read = fields[path];
  if (!read) throw new ContainerConfigError(`unsupported fieldRef ${path}`);
  return read();
}

function resourceFieldRef(
  ref: { resource: string; divisor?: string; containerName?: string },
  container: V1Container,
  ctx: EnvContext,
): string {
  const [kind, resource] = ref.resource.split('.') as ['limits' | 'requests', string];
  const target = ref.containerName
    ? ctx.pod.spec?.containers.find((c) => c.name === ref.containerName)
    : container;
  const set = target?.resources?.[kind]?.[resource];
  // An unset limit means "whatever the node has", as the kubelet reports it.
  const fallback: Record<string, string> = {
    cpu: ctx.allocatable.cpu,
    memory: ctx.allocatable.memory,
    'ephemeral-storage': ctx.allocatable.ephemeralStorage,
  };
  const value = set ?? (kind === 'limits' ? fallback[resource] : '0');
  if (value === undefined) throw new ContainerConfigError(`unsupported resourceFieldRef ${ref.resource}`);
  // The same quantity parser as workflows use; a malformed value is the pod spec's fault, reported as such.
  const amount = parseQuantity(value);
  const divisor = parseQuantity(ref.divisor ?? '1');
  if (!amount.ok) throw new ContainerConfigError(amount.message);
  if (!divisor.ok) throw new ContainerConfigError(divisor.message);
  return String(Math.ceil(amount.value / divisor.value));
}

/** The full environment of `container`; throws ContainerConfigError for missing references. */
export async function containerEnv(container: V1Container, ctx: EnvContext): Promise<Record<string, string>> {
  const namespace = ctx.pod.metadata?.namespace ?? 'default';
  const sources = new SourceCache(ctx.api, namespace);
  const env: Record<string, string> = { ...ctx.base };
  for (const from of container.envFrom ?? []) {
    const ref = from.secretRef ?? from.configMapRef;
    const kind: Source = from.secretRef ? 'Secret' : 'ConfigMap';
    const data = await sources.get(kind, ref?.name ?? '');
    if (data === null) {
      if (ref?.optional) continue;
      throw new ContainerConfigError(`${kind.toLowerCase()} "${ref?.name ?? ''}" not found`);
    }
    for (const [k, v] of Object.entries(data)) env[`${from.prefix ?? ''}${k}`] = v;
  }
  for (const variable of container.env ?? []) {
    const from = variable.valueFrom;
    let value: string | undefined;
    if (from?.secretKeyRef) value = await keyRef(sources, 'Secret', from.secretKeyRef, namespace);
    else if (from?.configMapKeyRef)
      value = await keyRef(sources, 'ConfigMap', from.configMapKeyRef, namespace);
    else if (from?.fieldRef) value = fieldRef(from.fieldRef.fieldPath, ctx);
    else if (from?.resourceFieldRef) value = resourceFieldRef(from.resourceFieldRef, container, ctx);
    else value = expand(variable.value ?? '', (name) => env[name]);
    if (value !== undefined) env[variable.name] = value;
  }
  return env;
}

/** The argv of `container`: command then args, with $(VAR) expanded from its environment. */
export function containerArgv(container: V1Container, env: Record<string, string>): string[] {
  const lookup = (name: string) => env[name];
  return [...(container.command ?? []), ...(container.args ?? [])].map((part) => expand(part, lookup));
}
