// The real Job controller runs Jobs on the node: output reaches `kubectl logs`, exit codes are real,
// and activeDeadlineSeconds fails the Job and kills its process.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { isAlive } from './lib/processes.ts';
import { apply, createNamespace, getObject, kubectl, listObjects, waitFor } from './kubectl.ts';
import { job } from './manifests.ts';
import { useCluster } from './use-cluster.ts';

const suite = await useCluster();

function condition(job: V1Job | undefined, type: string) {
  return job?.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

describe('Jobs', suite.options, () => {
  let namespace: { name: string; remove: () => Promise<void> };
  let options: { kubeconfig: string; namespace: string };

  before(async () => {
    const { kubeconfig } = suite.get();
    namespace = await createNamespace('jobs', kubeconfig);
    options = { kubeconfig, namespace: namespace.name };
  });
  after(() => namespace?.remove());

  const show = (name: string) => ({ resources: `job/${name},pods`, options });

  test('a Job that echoes hello completes and kubectl logs prints hello', async () => {
    await apply([job('hello', 'echo hello; exit 0')], options);
    await waitFor(
      'job hello to complete',
      async () => condition(await getObject<V1Job>('job', 'hello', options), 'Complete'),
      show('hello'),
    );
    const logs = await kubectl(['logs', 'job/hello'], options);
    assert.equal(logs.stdout, 'hello\n');
  });

  test('a Job exiting 3 fails with exit code 3 on its pod', async () => {
    await apply([job('exit-three', 'echo failing >&2; exit 3')], options);
    await waitFor(
      'job exit-three to fail',
      async () => condition(await getObject<V1Job>('job', 'exit-three', options), 'Failed'),
      show('exit-three'),
    );
    const [pod] = await listObjects<V1Pod>('pods', 'job-name=exit-three', options);
    assert.equal(pod?.status?.phase, 'Failed');
    const terminated = pod?.status?.containerStatuses?.[0]?.state?.terminated;
    assert.equal(terminated?.exitCode, 3);
    assert.equal(terminated?.reason, 'Error');
  });

  test('a Job past its activeDeadlineSeconds fails with DeadlineExceeded and its processes are gone', async () => {
    const cluster = suite.get();
    // $$$$ is the shell's $$ once Kubernetes has expanded $(VAR) references.
    await apply(
      [job('too-slow', 'sleep 600 & echo "pids $$$$ $!"; wait', { activeDeadlineSeconds: 3 })],
      options,
    );
    const pids = await waitFor(
      'too-slow to print its process ids',
      async () =>
        /^pids (\d+) (\d+)$/m.exec(
          (await kubectl(['logs', 'job/too-slow'], { ...options, allowFailure: true })).stdout,
        ),
      show('too-slow'),
    );
    const failed = await waitFor(
      'job too-slow to fail',
      async () => condition(await getObject<V1Job>('job', 'too-slow', options), 'Failed'),
      show('too-slow'),
    );
    assert.equal(failed.reason, 'DeadlineExceeded');
    await waitFor(
      'the pods of too-slow to be removed',
      async () => (await listObjects('pods', 'job-name=too-slow', options)).length === 0,
      show('too-slow'),
    );
    // Only on our node do the container processes share this machine's pid namespace.
    if (cluster.origin !== 'external') {
      const [shell, sleeper] = [Number(pids[1]), Number(pids[2])];
      await waitFor(
        'the processes of too-slow to exit',
        async () => !isAlive(shell) && !isAlive(sleeper),
        show('too-slow'),
        10_000,
      );
    }
  });
});
