// Which backend a command talks to, and how to reach the cluster: `--cluster`, `--context` or
// `--kubeconfig` select cluster mode (and so does being run as the kubectl plugin `kubectl-conveyor`);
// the namespace comes from `-n/--namespace`, else the kubeconfig context, else `default`.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';

export { CLUSTER_OPTIONS, CLUSTER_USAGE, invokedAsKubectlPlugin, wantsCluster } from './backend-choice.ts';

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
