// A cluster of this test file's own, for faults that would disturb every other suite on a shared one
// (an API server restart). Skips like useCluster when no cluster can start, and fails instead when
// CONVEYOR_REQUIRE_CLUSTER=1.
import { ClusterStartError, startCluster, type TestCluster } from './harness.ts';

export interface OwnClusterSuite {
  options: { skip: string | false };
  get(): TestCluster;
}

export async function useOwnCluster(): Promise<OwnClusterSuite> {
  const unavailable = process.env.CONVEYOR_CLUSTER_UNAVAILABLE;
  let cluster: TestCluster;
  try {
    if (unavailable) throw new ClusterStartError(unavailable);
    cluster = await startCluster({ log: (line) => console.error(`[own cluster] ${line}`) });
  } catch (error) {
    const reason = `no Kubernetes cluster: ${(error as Error).message}`;
    if (process.env.CONVEYOR_REQUIRE_CLUSTER === '1')
      throw new Error(`${reason} (CONVEYOR_REQUIRE_CLUSTER=1)`, { cause: error });
    console.error(`skipping: ${reason}`);
    return {
      options: { skip: reason.split('\n')[0]! },
      get: () => {
        throw new Error(reason);
      },
    };
  }
  // Graceful stop when the tests are done; the cluster's own 'exit' handler kills it otherwise.
  let stopping = false;
  process.on('beforeExit', () => {
    if (stopping) return;
    stopping = true;
    void cluster.stop();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cluster.killNow();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
  return { options: { skip: false }, get: () => cluster };
}
