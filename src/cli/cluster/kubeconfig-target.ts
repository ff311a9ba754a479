// How the CLI reaches a cluster from its options: the kubeconfig (--kubeconfig, else $KUBECONFIG or
// ~/.kube/config, else the pod's service account), the context (--context, else the current one) and
// the namespace (-n/--namespace, else the context's, else `default`). It fills a KubeConfig the
// caller made, so that shell completion can use the light one (src/kube/kube-config.ts) and the
// commands the one client-node's API classes need: both reach the same cluster the same way.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';

/** Loads `kc` as the options say; a usage error that says what to fix when it cannot. */
export function loadKubeConfig(
  kc: KubeConfig,
  values: { kubeconfig?: unknown; context?: unknown; namespace?: unknown },
  io: CliIO,
): { namespace: string; where: string } {
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
  return { namespace, where: `context ${kc.getCurrentContext()}, namespace ${namespace}` };
}

function noKubeconfigAnywhere(io: CliIO): boolean {
  if (io.env.KUBECONFIG) return false;
  // Inside a pod, loadFromDefault uses the service account.
  if (io.env.KUBERNETES_SERVICE_HOST) return false;
  return !existsSync(join(io.env.HOME ?? homedir(), '.kube', 'config'));
}
