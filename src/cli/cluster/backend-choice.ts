// Which backend a command talks to: `--cluster`, `--context` or `--kubeconfig` select cluster mode
// (and so does being run as the kubectl plugin `kubectl-conveyor`). Kept apart from connection.ts so
// that local commands decide without loading the Kubernetes client.
import { basename } from 'node:path';
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
