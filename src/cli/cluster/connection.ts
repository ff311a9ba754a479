// Which backend a command talks to, and how to reach the cluster: `--cluster`, `--context` or
// `--kubeconfig` select cluster mode (and so does being run as the kubectl plugin `kubectl-conveyor`);
// the namespace comes from `-n/--namespace`, else the kubeconfig context, else `default`.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import type { OptionSpec } from '../parse-options.ts';

/** The options every cluster-mode command accepts. */
export const CLUSTER_OPTIONS = {
  cluster: { type: 'boolean' },
  context: { type: 'string' },
  kubeconfig: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
} as const satisfies OptionSpec;

export const CLUSTER_USAGE = `Cluster options:
  --cluster               run against Kubernetes (the default as 'kubectl conveyor')
  --context NAME          kubeconfig context to use (implies --cluster)
  --kubeconfig FILE       kubeconfig file (implies --cluster; default: $KUBECONFIG or ~/.kube/config)
  -n, --namespace NS      namespace (default: the context's namespace, else 'default')`;

/** True when this process was started as the kubectl plugin (kubectl runs `kubectl-conveyor`). */
export function invokedAsKubectlPlugin(argv1: string | undefined = process.argv[1]): boolean {
  return argv1 !== undefined && /^kubectl-conveyor(\.[a-z]+)?$/.test(basename(argv1));
}

/**
 * Whether a command line asks for cluster mode. Decided before parsing because the two modes take
 * different options (locally `history -n` is a limit; against a cluster it is the namespace), so
 * `-n` counts only for commands where it means nothing locally (`shortNamespace`).
 */
export function wantsCluster(
  argv: readonly string[],
  { shortNamespace = true, plugin = invokedAsKubectlPlugin() } = {},
): boolean {
  if (plugin) return true;
  for (const arg of argv) {
    if (arg === '--') break;
    if (/^--(cluster|context|kubeconfig|namespace)(=|$)/.test(arg)) return true;
    if (shortNamespace && /^-n/.test(arg)) return true;
  }
  return false;
}

export interface ClusterTarget {
  readonly kc: KubeConfig;
  readonly namespace: string;
  /** For messages: "context kind-dev, namespace team-a". */
  readonly where: string;
}

export function connect(values: Record<string, unknown>, io: CliIO): ClusterTarget {
  const kc = new KubeConfig();
  const file = values.kubeconfig as string | undefined;
  try {
    if (file !== undefined) kc.loadFromFile(file);
    else if (noKubeconfigAnywhere(io)) {
      // loadFromDefault would invent http://localhost:8080 and fail later with a puzzling TLS error.
      throw new UsageError(
        'no kubeconfig found: set KUBECONFIG, pass --kubeconfig FILE, or create ~/.kube/config',
      );
    } else kc.loadFromDefault();
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read the kubeconfig${file ? ` ${file}` : ''}: ${(error as Error).message}`);
  }
  const context = values.context as string | undefined;
  if (context !== undefined) {
    if (!kc.getContextObject(context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new UsageError(
        `no context '${context}' in the kubeconfig (contexts: ${known.join(', ') || 'none'})`,
      );
    }
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentCluster()) {
    throw new UsageError(
      `no Kubernetes cluster configured: set KUBECONFIG, pass --kubeconfig FILE, or pick one with --context (${io.env.KUBECONFIG ? `KUBECONFIG=${io.env.KUBECONFIG}` : 'KUBECONFIG is not set'})`,
    );
  }
  const namespace =
    (values.namespace as string | undefined) ??
    kc.getContextObject(kc.getCurrentContext())?.namespace ??
    'default';
  return { kc, namespace, where: `context ${kc.getCurrentContext()}, namespace ${namespace}` };
}

function noKubeconfigAnywhere(io: CliIO): boolean {
  if (io.env.KUBECONFIG) return false;
  // Inside a pod, loadFromDefault uses the service account.
  if (io.env.KUBERNETES_SERVICE_HOST) return false;
  return !existsSync(join(io.env.HOME ?? homedir(), '.kube', 'config'));
}
