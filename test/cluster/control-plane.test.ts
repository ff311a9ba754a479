// The control plane answers as a real cluster does: kubectl reaches it, it reports ready, and (on our
// own cluster) the test node is Ready with a Lease the node agent keeps renewing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Lease, V1Node } from '@kubernetes/client-node';
import { NODE_NAME } from './harness.ts';
import { getObject, kubectl, waitFor } from './kubectl.ts';
import { useCluster } from './use-cluster.ts';

const suite = await useCluster();

test('kubectl version reports the server version', suite.options, async () => {
  const { kubeconfig } = suite.get();
  const result = await kubectl(['version', '-o', 'json'], { kubeconfig });
  const version = JSON.parse(result.stdout) as { serverVersion?: { gitVersion?: string } };
  assert.match(version.serverVersion?.gitVersion ?? '', /^v1\.\d+\.\d+/);
});

test('the API server is ready', suite.options, async () => {
  const { kubeconfig } = suite.get();
  const result = await kubectl(['get', '--raw', '/readyz'], { kubeconfig });
  assert.equal(result.stdout.trim(), 'ok');
});

test('the test node is Ready and renews its lease', suite.options, async (t) => {
  const cluster = suite.get();
  if (cluster.origin === 'external') return t.skip('only for the harness cluster');
  const options = { kubeconfig: cluster.kubeconfig };
  const node = await getObject<V1Node>('node', NODE_NAME, options);
  assert.equal(node?.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  assert.equal(node?.status?.allocatable?.cpu, '8');
  const leaseOptions = { ...options, namespace: 'kube-node-lease' };
  const first = await getObject<V1Lease>('lease', NODE_NAME, leaseOptions);
  assert.ok(first?.spec?.renewTime, 'the lease has a renew time');
  await waitFor(
    'the node lease to be renewed',
    async () =>
      (await getObject<V1Lease>('lease', NODE_NAME, leaseOptions))?.spec?.renewTime !== first.spec?.renewTime,
    { resources: `lease/${NODE_NAME}`, options: leaseOptions },
    30_000,
  );
});
