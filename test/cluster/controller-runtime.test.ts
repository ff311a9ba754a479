// The controller runtime against a real API server: the informer sees ConfigMap changes in order and
// relists after a real 410, leader election hands a real Lease over, and Events fold repeats.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import {
  createInformer,
  Informer,
  type RelistReason,
  type WatchRestartReason,
} from '../../src/kube/informer.ts';
import { createKubeListWatch } from '../../src/kube/kube-list-watch.ts';
import { LeaderElector } from '../../src/kube/leader-election.ts';
import { createLeaseStore, type LeaseStore } from '../../src/kube/lease-store.ts';
import { EventRecorder, createEventSink } from '../../src/observability/events.ts';
import { apply, createNamespace, kubectl } from './kubectl.ts';
import { pollUntil } from './lib/wait.ts';
import { useCluster } from './use-cluster.ts';

const suite = await useCluster();

describe('controller runtime on a real API server', suite.options, () => {
  const kc = new KubeConfig();
  let core: CoreV1Api;
  let namespace: { name: string; remove: () => Promise<void> };
  const stops: (() => Promise<void>)[] = [];

  before(async () => {
    const { kubeconfig } = suite.get();
    kc.loadFromFile(kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
    namespace = await createNamespace('runtime', kubeconfig);
  });
  after(async () => {
    await Promise.all(stops.map((stop) => stop()));
    await namespace?.remove();
  });

  const configMap = (name: string, labels: Record<string, string>, data: Record<string, string> = {}) =>
    core.createNamespacedConfigMap({ namespace: namespace.name, body: { metadata: { name, labels }, data } });

  test('the informer lists, then sees create, update and delete in order (all namespaces, by label)', async () => {
    const label = { test: `informer-${randomBytes(3).toString('hex')}` };
    await configMap('listed', label);
    const informer = createInformer<V1ConfigMap>(kc, {
      path: '/api/v1/configmaps',
      labelSelector: `test=${label.test}`,
    });
    stops.push(() => informer.stop());
    const seen: string[] = [];
    informer.on('add', (cm) => seen.push(`add ${cm.metadata?.name}`));
    informer.on('update', (cm) => seen.push(`update ${cm.metadata?.name} ${JSON.stringify(cm.data ?? {})}`));
    informer.on('delete', (cm) => seen.push(`delete ${cm.metadata?.name}`));
    informer.start();
    assert.equal(await informer.waitForSync(), true);
    assert.deepEqual(seen, ['add listed']);

    await configMap('unlabelled', {});
    await configMap('watched', label, { step: '1' });
    await core.replaceNamespacedConfigMap({
      name: 'watched',
      namespace: namespace.name,
      body: { metadata: { name: 'watched', labels: label }, data: { step: '2' } },
    });
    await core.deleteNamespacedConfigMap({ name: 'watched', namespace: namespace.name });

    await pollUntil(() => seen.includes('delete watched'), {
      what: 'the informer to see the delete',
      timeoutMs: 30_000,
      describe: () => seen.join('\n'),
    });
    assert.deepEqual(seen, ['add listed', 'add watched', 'update watched {"step":"2"}', 'delete watched']);
    assert.deepEqual(
      informer.list().map((cm) => `${cm.metadata?.namespace}/${cm.metadata?.name}`),
      [`${namespace.name}/listed`],
    );
    assert.equal(informer.get(namespace.name, 'listed')?.kind, 'ConfigMap');
  });

  test('a watch from a resourceVersion older than the API server keeps gets a real 410, and the informer relists', async () => {
    // A new CRD's watch cache starts at the current resourceVersion, so a watch from "1" is answered
    // with ERROR 410 Expired by any API server, fresh test cluster or not (unlike ConfigMaps, whose
    // cache on a new cluster reaches back to the very first revision).
    const group = `rt${randomBytes(3).toString('hex')}.conveyor.dev`;
    const options = { kubeconfig: suite.get().kubeconfig, namespace: namespace.name };
    await apply(
      [
        {
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name: `gadgets.${group}` },
          spec: {
            group,
            scope: 'Namespaced',
            names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
            versions: [
              {
                name: 'v1',
                served: true,
                storage: true,
                schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
              },
            ],
          },
        },
      ],
      { kubeconfig: options.kubeconfig },
    );
    stops.push(async () => {
      await kubectl(['delete', 'crd', `gadgets.${group}`, '--wait=false', '--ignore-not-found'], options);
    });
    await kubectl(['wait', '--for=condition=Established', `crd/gadgets.${group}`, '--timeout=60s'], options);
    const gadget = (name: string) => ({ apiVersion: `${group}/v1`, kind: 'Gadget', metadata: { name } });

    const real = createKubeListWatch<KubernetesObject>(kc, {
      path: `/apis/${group}/v1/gadgets`,
      namespace: namespace.name,
    });
    // Serving can lag a moment behind Established.
    await pollUntil(() => real.list({ signal: new AbortController().signal }).then(() => true), {
      what: 'the gadgets API to be served',
      timeoutMs: 30_000,
    });
    await apply([gadget('listed')], options);

    let first = true;
    const restarts: WatchRestartReason[] = [];
    const relists: RelistReason[] = [];
    const informer = new Informer<KubernetesObject>({
      name: 'gadgets',
      list: real.list,
      watch: async (watchOptions) => {
        if (!first) return real.watch(watchOptions);
        first = false;
        // Made after the list; only the relist can bring it into the cache.
        await apply([gadget('missed')], options);
        return real.watch({ ...watchOptions, resourceVersion: '1' });
      },
      onWatchRestart: (reason) => restarts.push(reason),
      onRelist: (reason) => relists.push(reason),
      backoff: { initialMs: 100, maxMs: 1000 },
    });
    stops.push(() => informer.stop());
    const seen: string[] = [];
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
    informer.start();
    await informer.waitForSync();

    await pollUntil(() => seen.includes('add missed'), {
      what: 'the relist to bring in the Gadget the expired watch missed',
      timeoutMs: 30_000,
      describe: () => JSON.stringify({ seen, restarts, relists, stats: informer.stats() }),
    });
    assert.deepEqual(seen.slice(0, 2), ['add listed', 'add missed']);
    assert.deepEqual(restarts, ['expired']);
    assert.deepEqual(relists, ['expired']);

    // And it watches again, from the relist's resourceVersion.
    await apply([gadget('after')], options);
    await pollUntil(() => seen.includes('add after'), {
      what: 'the new watch to see a create',
      timeoutMs: 30_000,
    });
    assert.equal(informer.stats().relists, 1);
    assert.equal(informer.get(namespace.name, 'after')?.kind, 'Gadget');
  });

  test('two electors on one Lease: one leads, and a stopped or dead leader is replaced quickly', async (t) => {
    const lease = { namespace: namespace.name, name: `conveyor-${randomBytes(3).toString('hex')}` };
    // Short durations keep the test quick; the rules are the same as with 15 s / 10 s / 2 s.
    const timing = { leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 500 };
    const elector = (identity: string, store: LeaseStore = createLeaseStore(kc, lease)) => {
      const e = new LeaderElector({ store, identity, ...timing });
      stops.push(() => e.stop());
      e.start();
      return e;
    };
    const leaders = (...electors: LeaderElector[]) =>
      electors.filter((e) => e.isLeader()).map((e) => e.identity);
    const readLease = () => kc.makeApiClient(CoordinationV1Api).readNamespacedLease(lease);

    const a = elector('replica-a');
    const b = elector('replica-b');
    const first = await pollUntil(() => leaders(a, b)[0], {
      what: 'a leader',
      timeoutMs: 20_000,
      intervalMs: 50,
    });
    const standby = first === a.identity ? b : a;
    const leader = first === a.identity ? a : b;
    for (let i = 0; i < 20; i++) {
      assert.deepEqual(leaders(a, b), [first], 'exactly one leader');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal((await readLease()).spec?.holderIdentity, first);

    // Graceful: the leader releases the Lease on stop, so the standby need not wait for it to expire.
    const stoppedAt = Date.now();
    await leader.stop();
    await pollUntil(() => standby.isLeader(), {
      what: 'the standby to take over',
      timeoutMs: 10_000,
      intervalMs: 20,
    });
    const handover = Date.now() - stoppedAt;
    t.diagnostic(`graceful handover: ${handover} ms`);
    assert.ok(handover < 2_000, `handed over in ${handover} ms`);
    const taken = await readLease();
    assert.equal(taken.spec?.holderIdentity, standby.identity);
    assert.equal(taken.spec?.leaseTransitions, 1);

    // Abrupt: a leader whose requests stop getting answers is replaced once its lease has expired.
    let dead = false;
    const real = createLeaseStore(kc, lease);
    const mortal: LeaseStore = {
      description: real.description,
      get: () => (dead ? new Promise(() => {}) : real.get()),
      create: (record) => (dead ? new Promise(() => {}) : real.create(record)),
      update: (record, rv) => (dead ? new Promise(() => {}) : real.update(record, rv)),
    };
    await standby.stop();
    const c = elector('replica-c', mortal);
    await pollUntil(() => c.isLeader(), { what: 'replica-c to lead', timeoutMs: 10_000, intervalMs: 20 });
    const d = elector('replica-d');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.deepEqual(leaders(c, d), ['replica-c']);
    dead = true;
    const diedAt = Date.now();
    await pollUntil(() => d.isLeader(), {
      what: 'replica-d to take over',
      timeoutMs: 20_000,
      intervalMs: 20,
    });
    const takeover = Date.now() - diedAt;
    t.diagnostic(`takeover after the leader died: ${takeover} ms (lease ${timing.leaseDurationMs} ms)`);
    assert.ok(takeover >= 3_000 && takeover < 8_000, `took over ${takeover} ms after the leader died`);
    assert.equal(c.isLeader(), false, 'the dead leader gave up at its renew deadline');
    assert.equal((await readLease()).spec?.holderIdentity, 'replica-d');
  });

  test('an Event is recorded on a ConfigMap, and repeats fold into its count', async () => {
    const target = await configMap('evented', {});
    const recorder = new EventRecorder({ sink: createEventSink(kc), component: 'conveyor-test' });
    for (let i = 0; i < 3; i++)
      await recorder.warning(target, 'StepFailed', 'Step migrate failed: exit code 3.');
    await recorder.normal(target, 'StepStarted', 'Step migrate attempt 2 started.');
    await recorder.flush();

    const events = await core.listNamespacedEvent({
      namespace: namespace.name,
      fieldSelector: 'involvedObject.name=evented',
    });
    const summary = events.items
      .map((e) => ({
        type: e.type,
        reason: e.reason,
        count: e.count,
        kind: e.involvedObject.kind,
        uid: e.involvedObject.uid,
      }))
      .sort((x, y) => String(x.reason).localeCompare(String(y.reason)));
    assert.deepEqual(summary, [
      { type: 'Warning', reason: 'StepFailed', count: 3, kind: 'ConfigMap', uid: target.metadata?.uid },
      { type: 'Normal', reason: 'StepStarted', count: 1, kind: 'ConfigMap', uid: target.metadata?.uid },
    ]);
  });
});
