// Which backend a command talks to, and how to reach the cluster: `--cluster`, `--context` or
// `--kubeconfig` select cluster mode (and so does being run as the kubectl plugin `kubectl-conveyor`);
// the namespace comes from `-n/--namespace`, else the kubeconfig context, else `default`.
import { KubeConfig } from '@kubernetes/client-node';
import type { CliIO } from '../io.ts';
import { loadKubeConfig } from './kubeconfig-target.ts';

export { CLUSTER_OPTIONS, CLUSTER_USAGE, invokedAsKubectlPlugin, wantsCluster } from './backend-choice.ts';

export interface ClusterTarget {
  readonly kc: KubeConfig;
  readonly namespace: string;
  /** For messages: "context kind-dev, namespace team-a". */
  readonly where: string;
}

export function connect(values: Record<string, unknown>, io: CliIO): ClusterTarget {
  const kc = new KubeConfig();
  return { kc, ...loadKubeConfig(kc, values, io) };
}
