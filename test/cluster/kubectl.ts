// kubectl for the cluster tests: runs it against a given kubeconfig, and small helpers built on it
// (JSON reads, manifests, throw-away namespaces, waiting with the object printed on failure).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { pollUntil } from './lib/wait.ts';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  kubeconfig: string;
  namespace?: string;
  /** Written to kubectl's stdin (for `-f -`). */
  input?: string;
  /** Resolve with a non-zero exit code instead of throwing. */
  allowFailure?: boolean;
}

export function kubectl(args: readonly string[], options: KubectlOptions): Promise<KubectlResult> {
  const fullArgs = [
    `--kubeconfig=${options.kubeconfig}`,
    ...(options.namespace ? ['-n', options.namespace] : []),
    ...args,
  ];
  return new Promise((resolve, reject) => {
    const child = execFile(
      'kubectl',
      fullArgs,
      { maxBuffer: 32 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        if (code !== 0 && !options.allowFailure) {
          reject(new Error(`kubectl ${args.join(' ')} exited ${code}:\n${stderr || stdout}`));
        } else {
          resolve({ code, stdout, stderr });
        }
      },
    );
    // A kubectl that exits without reading its input (a usage error) leaves the write to fail with
    // EPIPE; its exit code and message, above, say what happened.
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.input ?? '');
  });
}

/** `kubectl get -o json` of one object, or undefined when it does not exist. */
export async function getObject<T = Record<string, unknown>>(
  resource: string,
  name: string,
  options: KubectlOptions,
): Promise<T | undefined> {
  const result = await kubectl(['get', resource, name, '-o', 'json', '--ignore-not-found'], options);
  return result.stdout.trim() ? (JSON.parse(result.stdout) as T) : undefined;
}

/** `kubectl get -o json` of a list. */
export async function listObjects<T = Record<string, unknown>>(
  resource: string,
  selector: string,
  options: KubectlOptions,
): Promise<T[]> {
  const result = await kubectl(['get', resource, '-l', selector, '-o', 'json'], options);
  return (JSON.parse(result.stdout) as { items: T[] }).items;
}

/** Applies manifests given as objects (serialised as a JSON List). */
export async function apply(objects: readonly object[], options: KubectlOptions): Promise<void> {
  await kubectl(['apply', '-f', '-'], {
    ...options,
    input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  });
}

/** `kubectl get -o yaml` of whatever matches, for failure messages. */
export async function describeObjects(resources: string, options: KubectlOptions): Promise<string> {
  const result = await kubectl(['get', resources, '-o', 'yaml'], { ...options, allowFailure: true });
  return `kubectl get ${resources}:\n${result.stdout}${result.stderr}`;
}

/** Polls until `probe` yields a value; on timeout the error shows `resources` as they were. */
export function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  show: { resources: string; options: KubectlOptions },
  timeoutMs = 90_000,
): Promise<T> {
  return pollUntil(probe, {
    what,
    timeoutMs,
    intervalMs: 300,
    describe: () => describeObjects(show.resources, show.options),
  });
}

/**
 * Creates a uniquely named namespace and waits for its `default` service account (pods are refused
 * until the controller manager has made it). Returns its name and a function deleting it.
 */
export async function createNamespace(
  prefix: string,
  kubeconfig: string,
): Promise<{ name: string; remove: () => Promise<void> }> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await kubectl(['create', 'namespace', name], { kubeconfig });
  await pollUntil(
    async () => Boolean(await getObject('serviceaccount', 'default', { kubeconfig, namespace: name })),
    {
      what: `service account default in namespace ${name}`,
      timeoutMs: 60_000,
    },
  );
  return {
    name,
    remove: async () => {
      await kubectl(['delete', 'namespace', name, '--wait=false', '--ignore-not-found'], { kubeconfig });
    },
  };
}
