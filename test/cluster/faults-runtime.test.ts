// @cluster own
// The controller through an API server restart, on a control plane of this file's own (the restart
// would disturb every other suite): /readyz says not ready while the API server is away and /healthz
// stays ok (a liveness failure would only restart a healthy process), and once the API server is back
// the caches are fresh within seconds rather than after the reconnect backoff built up in the outage.
// The node agent keeps sending the final status of a pod that ended during the outage until it lands.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { CREATED_BY_ANNOTATION, workflowResource } from '../../src/spec/crd/resources.ts';
import { startController, type ControllerProcess } from './controller-process.ts';
import { ADMIN_USER } from './harness.ts';
import { installCrds } from './install-crds.ts';
import { apply, createNamespace, type KubectlOptions } from './kubectl.ts';
import { controllerPort, probe } from './lib/controller-port.ts';
import { healthy } from './lib/readiness.ts';
import { pollUntil } from './lib/wait.ts';
import { waitForRun } from './lib/wait-for-run.ts';
import { useOwnCluster } from './own-cluster.ts';

const suite = await useOwnCluster();

/** Long enough for the informers' reconnect backoff to reach its cap (30 s) on the old code. */
const OUTAGE_MS = 30_000;
/** The goal is 5 s; twice that leaves room for a loaded machine. */
const FRESH_WITHIN_MS = 10_000;

interface Run {
  status?: { phase?: string; steps?: Record<string, { phase?: string }> };
}

describe('the controller through an API server restart', suite.options, () => {
  let target: KubectlOptions;
  let controller: ControllerProcess;
  const probes: { at: number; healthz: number; readyz: number }[] = [];
  let apiBackAt = 0;
  let seenAt = 0;
  let readyAgainAt = 0;

  const createRun = (name: string, workflow: string) =>
    apply(
      [
        {
          apiVersion: 'conveyor.dev/v1alpha1',
          kind: 'WorkflowRun',
          metadata: { name, annotations: { [CREATED_BY_ANNOTATION]: ADMIN_USER } },
          spec: { workflowRef: { name: workflow } },
        },
      ],
      target,
    );

  before(async () => {
    const cluster = suite.get();
    await installCrds(cluster.kubeconfig);
    const ns = await createNamespace('faults', cluster.kubeconfig);
    target = { kubeconfig: cluster.kubeconfig, namespace: ns.name };
    const quick = workflowResource({ name: 'quick', steps: [{ name: 'go', command: 'true' }] }, ns.name);
    const slow = workflowResource({ name: 'slow', steps: [{ name: 'go', command: 'sleep 8' }] }, ns.name);
    assert.ok(quick.ok && slow.ok);
    await apply([quick.resource, slow.resource], target);
    controller = startController({ kubeconfig: cluster.kubeconfig, namespace: ns.name });
    const port = await controllerPort(() => controller.log());
    await createRun('before-outage', 'quick');
    await waitForRun<Run>('before-outage', (r) => r.status?.phase === 'Succeeded', target, controller.log);
    // Its step's pod runs into the outage and ends during it.
    await createRun('ends-in-outage', 'slow');
    await waitForRun<Run>(
      'ends-in-outage',
      (r) => r.status?.steps?.go?.phase === 'Running',
      target,
      controller.log,
    );

    await cluster.stopComponent('kube-apiserver');
    const downAt = Date.now();
    while (Date.now() - downAt < OUTAGE_MS) {
      const [healthz, readyz] = await Promise.all([probe(port, '/healthz'), probe(port, '/readyz')]);
      probes.push({ at: Date.now() - downAt, healthz, readyz });
      await delay(500);
    }
    cluster.restartComponent('kube-apiserver');
    await pollUntil(healthy(`${cluster.server}/readyz`, { ca: cluster.state.ca.cert }), {
      what: 'kube-apiserver to be ready again',
      timeoutMs: 60_000,
    });
    apiBackAt = Date.now();
    await createRun('after-outage', 'quick');
    await waitForRun<Run>('after-outage', (r) => r.status?.phase !== undefined, target, controller.log);
    seenAt = Date.now();
    await pollUntil(async () => (await probe(port, '/readyz')) === 200, {
      what: 'the controller to be ready again',
      timeoutMs: 90_000,
      describe: () => controller.log().slice(-4000),
    });
    readyAgainAt = Date.now();
  });

  after(async () => {
    await controller?.stop();
  });

  test('/readyz fails while the API server is away, and /healthz stays ok', () => {
    const shown = probes.map((p) => `${p.at} ms: healthz ${p.healthz}, readyz ${p.readyz}`).join('\n');
    assert.ok(
      probes.some((p) => p.readyz === 503),
      `/readyz never failed during the outage:\n${shown}`,
    );
    assert.ok(
      probes.every((p) => p.healthz === 200),
      `/healthz failed during the outage:\n${shown}`,
    );
  });

  test('a run created right after the API server is back is acted on within seconds', (t) => {
    const ms = seenAt - apiBackAt;
    t.diagnostic(
      `acted on ${ms} ms after the API server was ready; /readyz ok after ${readyAgainAt - apiBackAt} ms`,
    );
    assert.ok(ms < FRESH_WITHIN_MS, `the controller saw the new run ${ms} ms after the API server was back`);
  });

  test('a step whose pod ended while the API server was away succeeds once it is back', async () => {
    await waitForRun<Run>('ends-in-outage', (r) => r.status?.phase === 'Succeeded', target, controller.log);
  });

  test('/readyz is ok again once the caches are fresh', async () => {
    assert.ok(readyAgainAt >= apiBackAt);
    await createRun('later', 'quick');
    await waitForRun<Run>('later', (r) => r.status?.phase === 'Succeeded', target, controller.log);
  });
});
