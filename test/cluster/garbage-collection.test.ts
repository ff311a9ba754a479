// The garbage collector runs: deleting a Job's owner removes the Job and its pods, with background
// and foreground propagation, as a WorkflowRun's deletion must remove its steps' Jobs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import { apply, createNamespace, getObject, kubectl, listObjects, waitFor } from './kubectl.ts';
import { job } from './manifests.ts';
import { useCluster } from './use-cluster.ts';

const suite = await useCluster();

describe('garbage collection', suite.options, () => {
  let namespace: { name: string; remove: () => Promise<void> };
  let options: { kubeconfig: string; namespace: string };

  before(async () => {
    const { kubeconfig } = suite.get();
    namespace = await createNamespace('gc', kubeconfig);
    options = { kubeconfig, namespace: namespace.name };
  });
  after(() => namespace?.remove());

  /** A ConfigMap owning a Job whose pod keeps running, returned once the pod runs. */
  async function ownedRunningJob(name: string): Promise<void> {
    await apply(
      [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { purpose: 'owner' } }],
      options,
    );
    const owner = await getObject<V1ConfigMap>('configmap', name, options);
    const ownerReferences = [
      { apiVersion: 'v1', kind: 'ConfigMap', name, uid: owner?.metadata?.uid, blockOwnerDeletion: true },
    ];
    await apply([job(name, 'echo working; sleep 600', { ownerReferences })], options);
    await waitFor(
      `the pod of job ${name} to run`,
      async () =>
        (await listObjects<V1Pod>('pods', `job-name=${name}`, options)).some(
          (p) => p.status?.phase === 'Running',
        ),
      { resources: `job/${name},pods`, options },
    );
  }

  for (const cascade of ['background', 'foreground'] as const) {
    test(`deleting the owner (${cascade}) removes the Job and its pods`, async () => {
      const name = `owner-${cascade}`;
      await ownedRunningJob(name);
      await kubectl(['delete', 'configmap', name, `--cascade=${cascade}`, '--wait=false'], options);
      await waitFor(
        `job ${name} and its pods to be removed`,
        async () =>
          !(await getObject('job', name, options)) &&
          (await listObjects('pods', `job-name=${name}`, options)).length === 0,
        { resources: `configmap/${name},jobs,pods`, options },
      );
      await waitFor('the owner to be gone', async () => !(await getObject('configmap', name, options)), {
        resources: `configmap/${name}`,
        options,
      });
      assert.equal(await getObject('job', name, options), undefined);
    });
  }
});
