// Scale on kwok's simulated nodes (CONVEYOR_KWOK_NODES=N): the real Job controller and scheduler
// drive a thousand pods that kwok plays through Running and Succeeded, and kwok's chaos stage fails
// a pod with a chosen exit code. Skipped when the cluster has no kwok nodes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { V1Job, V1NodeList, V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { KWOK_NODE_LABEL, KWOK_TAINT } from './lib/components.ts';
import { apply, createNamespace, getObject, kubectl, listObjects, waitFor } from './kubectl.ts';
import { IMAGE } from './manifests.ts';
import { useCluster } from './use-cluster.ts';

const suite = await useCluster();
const CHAOS = 'pod-container-running-failed.stage.kwok.x-k8s.io';

async function kwokNodeCount(): Promise<number> {
  if (suite.options.skip !== false) return 0;
  const selector = `${KWOK_NODE_LABEL.key}=${KWOK_NODE_LABEL.value}`;
  const nodes = await kubectl(['get', 'nodes', '-l', selector, '-o', 'json'], {
    kubeconfig: suite.get().kubeconfig,
  });
  return (JSON.parse(nodes.stdout) as V1NodeList).items.length;
}
const nodes = await kwokNodeCount();

/** A pod spec that only kwok's nodes take. */
function simulated(extra: Partial<V1PodSpec> = {}): V1PodSpec {
  return {
    restartPolicy: 'Never',
    nodeSelector: { [KWOK_NODE_LABEL.key]: KWOK_NODE_LABEL.value },
    tolerations: [{ key: KWOK_TAINT.key, operator: 'Equal', value: KWOK_TAINT.value, effect: 'NoSchedule' }],
    containers: [{ name: 'main', image: IMAGE, command: ['true'], resources: { requests: { cpu: '10m' } } }],
    ...extra,
  };
}

const skip =
  suite.options.skip || (nodes === 0 && 'no kwok nodes (start the cluster with CONVEYOR_KWOK_NODES=N)');

describe('scale on simulated nodes', { skip }, () => {
  let namespace: { name: string; remove: () => Promise<void> };
  let options: { kubeconfig: string; namespace: string };

  before(async () => {
    const { kubeconfig } = suite.get();
    namespace = await createNamespace('scale', kubeconfig);
    options = { kubeconfig, namespace: namespace.name };
  });
  after(() => namespace?.remove());

  test('a Job of 1000 pods completes', async () => {
    const completions = 1000;
    await apply(
      [
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: { name: 'wide' },
          spec: { completions, parallelism: 250, backoffLimit: 0, template: { spec: simulated() } },
        },
      ],
      options,
    );
    const done = await waitFor(
      'job wide to complete',
      async () => {
        const job = await getObject<V1Job>('job', 'wide', options);
        return job?.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') && job;
      },
      { resources: 'job/wide', options },
      600_000,
    );
    assert.equal(done.status?.succeeded, completions);
  });

  test('the chaos stage fails a pod with the exit code it is given', async () => {
    await apply(
      [
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: { name: 'chaos' },
          spec: {
            backoffLimit: 0,
            template: {
              metadata: {
                labels: { [CHAOS]: 'true' },
                annotations: { [`${CHAOS}/exit-code`]: '3' },
              },
              spec: simulated(),
            },
          },
        },
      ],
      options,
    );
    await waitFor(
      'job chaos to fail',
      async () =>
        (await getObject<V1Job>('job', 'chaos', options))?.status?.conditions?.some(
          (c) => c.type === 'Failed' && c.status === 'True',
        ),
      { resources: 'job/chaos,pods', options },
    );
    const [pod] = await listObjects<V1Pod>('pods', 'job-name=chaos', options);
    assert.equal(pod?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 3);
  });
});
