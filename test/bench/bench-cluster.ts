// The cluster a bench measures on: $KUBECONFIG's when set, otherwise a test cluster started for the
// bench with kwok's simulated nodes (CONVEYOR_KWOK_NODES, default 2) and stopped at its end. Step
// pods go to the kwok nodes when there are any, as real processes on the node agent otherwise.
import { delimiter } from 'node:path';
import { startCluster } from '../cluster/harness.ts';
import type { TestCluster } from '../cluster/harness.ts';
import { kubectl } from '../cluster/kubectl.ts';
import { KWOK_NODE_LABEL, KWOK_TAINT } from '../cluster/lib/components.ts';
import type { Placement } from './controller-round.ts';

export interface BenchCluster {
  readonly kubeconfig: string;
  readonly kwok: boolean;
  readonly placement: Placement;
  stop(): Promise<void>;
}

export const KWOK_PLACEMENT: Placement = {
  nodeSelector: { [KWOK_NODE_LABEL.key]: KWOK_NODE_LABEL.value },
  tolerations: [{ key: KWOK_TAINT.key, operator: 'Equal', value: KWOK_TAINT.value, effect: 'NoSchedule' }],
};

export async function hasKwokNodes(kubeconfig: string): Promise<boolean> {
  const nodes = await kubectl(
    ['get', 'nodes', '-l', `${KWOK_NODE_LABEL.key}=${KWOK_NODE_LABEL.value}`, '-o', 'name'],
    {
      kubeconfig,
    },
  );
  return nodes.stdout.trim().length > 0;
}

/** With `requireKwok`, a cluster without kwok nodes is an error instead of real pods. */
export async function benchCluster({ requireKwok = false } = {}): Promise<BenchCluster> {
  let own: TestCluster | undefined;
  let kubeconfig = process.env.KUBECONFIG?.split(delimiter).find(Boolean);
  if (!kubeconfig) {
    const kwokNodes = Number(process.env.CONVEYOR_KWOK_NODES ?? 2);
    try {
      own = await startCluster({ kwokNodes });
    } catch (error) {
      if (requireKwok) throw error;
      console.error(`bench: no kwok (${(error as Error).message.split('\n')[0]}); real pods only`);
      own = await startCluster({ kwokNodes: 0 });
    }
    kubeconfig = own.kubeconfig;
  }
  const kwok = await hasKwokNodes(kubeconfig);
  if (requireKwok && !kwok) {
    await own?.stop();
    throw new Error(`bench: the cluster of ${kubeconfig} has no kwok nodes (unset KUBECONFIG to start one)`);
  }
  return { kubeconfig, kwok, placement: kwok ? KWOK_PLACEMENT : {}, stop: async () => own?.stop() };
}
