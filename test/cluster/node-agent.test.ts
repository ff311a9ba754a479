// The test node agent behaves like a kubelet where Conveyor's Jobs can tell: environment from
// Secrets, ConfigMaps and the downward API, init containers, restarts, log options, graceful
// deletion, start errors, and the scheduler's resource fitting against the node's capacity.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { isAlive } from './lib/processes.ts';
import { apply, createNamespace, getObject, kubectl, waitFor } from './kubectl.ts';
import { IMAGE, pod, podSpec } from './manifests.ts';
import { useCluster } from './use-cluster.ts';

const suite = await useCluster();
const ours = suite.options.skip === false && suite.get().origin !== 'external';

describe(
  'the test node agent',
  { skip: ours ? false : suite.options.skip || 'only for the harness cluster' },
  () => {
    let namespace: { name: string; remove: () => Promise<void> };
    let options: { kubeconfig: string; namespace: string };

    before(async () => {
      const { kubeconfig } = suite.get();
      namespace = await createNamespace('node', kubeconfig);
      options = { kubeconfig, namespace: namespace.name };
    });
    after(() => namespace?.remove());

    const getPod = (name: string) => getObject<V1Pod>('pod', name, options);
    const show = (name: string) => ({ resources: `pod/${name}`, options });
    const phase = (name: string, wanted: string) =>
      waitFor(
        `pod ${name} to be ${wanted}`,
        async () => {
          const p = await getPod(name);
          return p?.status?.phase === wanted && p;
        },
        show(name),
      );

    test('containers get env from values, Secrets, ConfigMaps and the downward API', async () => {
      await apply(
        [
          { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, stringData: { token: 's3cret' } },
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'settings' },
            data: { region: 'eu', tier: 'gold' },
          },
          pod('env', {
            ...podSpec(''),
            containers: [
              {
                name: 'main',
                image: IMAGE,
                command: [
                  'sh',
                  '-c',
                  'echo "$GREETING $TOKEN $REGION $POD $NS $CFG_tier"; echo "$1"',
                  'sh',
                  '$(GREETING) from args',
                ],
                envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'settings' } }],
                env: [
                  { name: 'NAME', value: 'world' },
                  { name: 'GREETING', value: 'hello-$(NAME)' },
                  { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } },
                  { name: 'REGION', valueFrom: { configMapKeyRef: { name: 'settings', key: 'region' } } },
                  { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                ],
              },
            ],
          }),
        ],
        options,
      );
      await phase('env', 'Succeeded');
      const logs = await kubectl(['logs', 'env'], options);
      assert.equal(logs.stdout, `hello-world s3cret eu env ${namespace.name} gold\nhello-world from args\n`);
    });

    test('a missing Secret holds the container in CreateContainerConfigError until it exists', async () => {
      await apply(
        [
          pod('needs-secret', {
            ...podSpec('echo "$VALUE"'),
            containers: [
              {
                name: 'main',
                image: IMAGE,
                command: ['sh', '-c', 'echo "$VALUE"'],
                env: [{ name: 'VALUE', valueFrom: { secretKeyRef: { name: 'later', key: 'v' } } }],
              },
            ],
          }),
        ],
        options,
      );
      await waitFor(
        'the container to wait for its secret',
        async () =>
          (await getPod('needs-secret'))?.status?.containerStatuses?.[0]?.state?.waiting?.reason ===
          'CreateContainerConfigError',
        show('needs-secret'),
      );
      await apply(
        [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'later' }, stringData: { v: 'arrived' } }],
        options,
      );
      await phase('needs-secret', 'Succeeded');
      assert.equal((await kubectl(['logs', 'needs-secret'], options)).stdout, 'arrived\n');
    });

    test('init containers run first, in the pod folder the containers share', async () => {
      await apply(
        [
          pod(
            'with-init',
            podSpec('cat prepared', {
              initContainers: [
                { name: 'prepare', image: IMAGE, command: ['sh', '-c', 'echo ready > prepared'] },
              ],
            }),
          ),
        ],
        options,
      );
      const done = await phase('with-init', 'Succeeded');
      assert.equal(done.status?.initContainerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
      assert.equal((await kubectl(['logs', 'with-init'], options)).stdout, 'ready\n');
    });

    test('restartPolicy OnFailure restarts a failed container; --previous shows the first try', async () => {
      const script = 'if [ -f tried ]; then echo second; exit 0; fi; touch tried; echo first; exit 1';
      await apply([pod('retry', podSpec(script, { restartPolicy: 'OnFailure' }))], options);
      const done = await phase('retry', 'Succeeded');
      const status = done.status?.containerStatuses?.[0];
      assert.equal(status?.restartCount, 1);
      assert.equal(status?.lastState?.terminated?.exitCode, 1);
      assert.equal((await kubectl(['logs', 'retry'], options)).stdout, 'second\n');
      assert.equal((await kubectl(['logs', 'retry', '--previous'], options)).stdout, 'first\n');
    });

    test('logs honour --tail, --limit-bytes and --follow', async () => {
      await apply([pod('lines', podSpec('for i in 1 2 3 4 5; do echo line$$i; done'))], options);
      await phase('lines', 'Succeeded');
      assert.equal((await kubectl(['logs', 'lines', '--tail=2'], options)).stdout, 'line4\nline5\n');
      assert.equal((await kubectl(['logs', 'lines', '--limit-bytes=8'], options)).stdout, 'line1\nli');
      // Following a running container streams until it exits.
      await apply([pod('follow', podSpec('echo one; sleep 1; echo two'))], options);
      await phase('follow', 'Running');
      assert.equal((await kubectl(['logs', '-f', 'follow'], options)).stdout, 'one\ntwo\n');
    });

    test('deleting a running pod stops its processes gracefully and removes it', async () => {
      await apply(
        [
          pod(
            'doomed',
            podSpec('trap "echo terminated; exit 0" TERM; echo "pid $$$$"; while true; do sleep 1; done'),
          ),
        ],
        options,
      );
      const pid = await waitFor(
        'doomed to print its pid',
        async () =>
          /^pid (\d+)$/m.exec(
            (await kubectl(['logs', 'doomed'], { ...options, allowFailure: true })).stdout,
          )?.[1],
        show('doomed'),
      );
      await kubectl(['delete', 'pod', 'doomed', '--wait=true', '--timeout=60s'], options);
      assert.equal(await getPod('doomed'), undefined);
      await waitFor(
        'the process of doomed to exit',
        async () => !isAlive(Number(pid)),
        show('doomed'),
        10_000,
      );
    });

    test('a pod past its activeDeadlineSeconds is Failed with DeadlineExceeded at once, then stopped', async () => {
      // As the kubelet: the status says why the pod ends before its containers are killed, so no
      // reader ever sees it Failed without the reason (CI once did, between the two reports).
      await apply(
        [
          pod(
            'pod-deadline',
            podSpec('trap "sleep 2; exit 1" TERM; echo "pid $$$$"; while true; do sleep 1; done', {
              activeDeadlineSeconds: 2,
              terminationGracePeriodSeconds: 30,
            }),
          ),
        ],
        options,
      );
      const failed = await phase('pod-deadline', 'Failed');
      assert.equal(failed.status?.reason, 'DeadlineExceeded');
      const pid = /^pid (\d+)$/m.exec((await kubectl(['logs', 'pod-deadline'], options)).stdout)?.[1];
      assert.ok(pid, 'the container printed its pid');
      assert.equal(isAlive(Number(pid)), true, 'Failed is reported while the container still stops');
      await waitFor('the container to stop', async () => !isAlive(Number(pid)), show('pod-deadline'), 20_000);
      const stopped = await waitFor(
        'the stopped container in the status',
        async () => {
          const p = await getPod('pod-deadline');
          return p?.status?.containerStatuses?.[0]?.state?.terminated && p;
        },
        show('pod-deadline'),
      );
      assert.equal(stopped.status?.phase, 'Failed');
      assert.equal(stopped.status?.reason, 'DeadlineExceeded');
      assert.equal(stopped.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 1);
    });

    test('a container without a runnable command fails with StartError, saying why', async () => {
      await apply(
        [
          pod('no-such-tool', {
            ...podSpec(''),
            containers: [{ name: 'main', image: IMAGE, command: ['no-such-tool-xyz'] }],
          }),
        ],
        options,
      );
      const failed = await phase('no-such-tool', 'Failed');
      const terminated = failed.status?.containerStatuses?.[0]?.state?.terminated;
      assert.equal(terminated?.reason, 'StartError');
      assert.equal(terminated?.exitCode, 128);
      assert.match(terminated?.message ?? '', /executable file not found in \$PATH/);
    });

    test('a command the kernel refuses to start (argument list too long) fails with StartError, exit code 128', async () => {
      // One argument over the kernel's 128 KiB limit per argument: exec fails with E2BIG. Created
      // rather than applied, so that no last-applied annotation holds a second copy.
      const manifest = pod('too-long', {
        ...podSpec(''),
        containers: [{ name: 'main', image: IMAGE, command: ['true', 'x'.repeat(140_000)] }],
      });
      await kubectl(['create', '-f', '-'], { ...options, input: JSON.stringify(manifest) });
      const failed = await phase('too-long', 'Failed');
      const terminated = failed.status?.containerStatuses?.[0]?.state?.terminated;
      assert.equal(terminated?.reason, 'StartError');
      assert.equal(terminated?.exitCode, 128);
      assert.match(terminated?.message ?? '', /argument list too long/);
    });

    test('the scheduler fits pods to the node capacity', async () => {
      const tooBig = podSpec('true');
      tooBig.containers[0]!.resources = { requests: { cpu: '9' } };
      await apply([pod('too-big', tooBig)], options);
      const unschedulable = await waitFor(
        'too-big to be unschedulable',
        async () =>
          (await getPod('too-big'))?.status?.conditions?.find(
            (c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable',
          ),
        show('too-big'),
      );
      assert.match(unschedulable.message ?? '', /Insufficient cpu/);
    });
  },
);
