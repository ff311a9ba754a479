// The informer against a scripted list and watch and a fake clock: cache and handlers, resourceVersion
// bookkeeping, relists after 410, reconnect backoff, the watchdog, and stopping.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeApiError } from '../../../src/kube/api-error.ts';
import {
  Informer,
  type InformerOptions,
  type RelistReason,
  type WatchRestartReason,
} from '../../../src/kube/informer.ts';
import { FakeClock, settle } from './support/fake-clock.ts';
import { FakeListWatch, configMap, type ConfigMapLike } from './support/fake-list-watch.ts';

function setup(options: Partial<InformerOptions<ConfigMapLike>> = {}) {
  const api = new FakeListWatch<ConfigMapLike>();
  const clock = new FakeClock();
  const seen: string[] = [];
  const restarts: WatchRestartReason[] = [];
  const relists: RelistReason[] = [];
  const informer = new Informer<ConfigMapLike>({
    name: 'configmaps',
    list: api.list,
    watch: api.watch,
    clock,
    random: () => 0.5,
    onWatchRestart: (reason) => restarts.push(reason),
    onRelist: (reason) => relists.push(reason),
    ...options,
  });
  const label = (o: ConfigMapLike) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`;
  informer.on('add', (o) => seen.push(`add ${label(o)}`));
  informer.on('update', (o, old) => seen.push(`update ${label(o)} (was ${old.metadata?.resourceVersion})`));
  informer.on('delete', (o) => seen.push(`delete ${label(o)}`));
  return { api, clock, informer, seen, restarts, relists };
}

/** A sleep that returns at once and remembers how long it was asked to wait. */
function recordingSleep() {
  const delays: number[] = [];
  return { delays, sleep: (ms: number) => (delays.push(ms), Promise.resolve()) };
}

const connectionReset = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
const connectionRefused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' });
const expired = () =>
  new KubeApiError(410, 'GET /api/v1/configmaps: too old resource version: 10 (80)', 'Expired');
const names = (items: ConfigMapLike[]) => items.map((o) => o.metadata?.name).sort();

describe('informer', () => {
  it('lists, then watches from the list resourceVersion and keeps the cache in step with the events', async () => {
    const { api, informer, seen } = setup({ watchTimeoutSeconds: 100 });
    api.answerList({ items: [configMap('a', '1'), configMap('b', '2')], resourceVersion: '10' });
    informer.start();
    assert.equal(await informer.waitForSync(), true);
    assert.equal(informer.hasSynced, true);
    await settle();

    const watch = api.lastWatch;
    assert.equal(watch.options.resourceVersion, '10');
    assert.equal(watch.options.allowWatchBookmarks, true);
    // Server-side timeout spread between T and 2T like client-go (random 0.5 → 1.5 T).
    assert.equal(watch.options.timeoutSeconds, 150);

    watch.emit({ type: 'ADDED', object: configMap('c', '11') });
    watch.emit({ type: 'MODIFIED', object: configMap('a', '12') });
    watch.emit({ type: 'DELETED', object: configMap('b', '13') });
    watch.emit({ type: 'MODIFIED', object: configMap('a', '12') });
    watch.emit({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '20' } } });

    assert.deepEqual(seen, ['add a@1', 'add b@2', 'add c@11', 'update a@12 (was 1)', 'delete b@13']);
    assert.deepEqual(names(informer.list()), ['a', 'c']);
    assert.equal(informer.get('ns', 'a')?.metadata?.resourceVersion, '12');
    assert.equal(informer.getByKey('ns/c')?.metadata?.resourceVersion, '11');
    assert.equal(informer.stats().resourceVersion, '20');
    await informer.stop();
  });

  it('passes every listed and watched object through the transform before caching it', async () => {
    const { api, informer } = setup({
      transform: (o) => ({ ...o, metadata: { ...o.metadata, labels: { trimmed: 'yes' } } }),
    });
    api.answerList({ items: [configMap('a', '1')], resourceVersion: '10' });
    informer.start();
    await informer.waitForSync();
    await settle();
    api.lastWatch.emit({ type: 'ADDED', object: configMap('b', '11') });
    for (const name of ['a', 'b'])
      assert.deepEqual(informer.get('ns', name)?.metadata?.labels, { trimmed: 'yes' });
    await informer.stop();
  });

  it('takes in our own write when the cache holds the version it was based on, and then ignores its watch event', async () => {
    const { api, informer, seen } = setup();
    api.answerList({ items: [configMap('a', '1')], resourceVersion: '10' });
    informer.start();
    await informer.waitForSync();
    await settle();
    informer.observeWrite(configMap('a', '12'), '1');
    assert.equal(informer.get('ns', 'a')?.metadata?.resourceVersion, '12');
    api.lastWatch.emit({ type: 'MODIFIED', object: configMap('a', '12') });
    // Based on a version the cache no longer holds: a newer one is already here.
    informer.observeWrite(configMap('a', '11'), '1');
    assert.equal(informer.get('ns', 'a')?.metadata?.resourceVersion, '12');
    informer.observeWrite(configMap('zzz', '13'), '1');
    assert.equal(informer.get('ns', 'zzz'), undefined);
    assert.deepEqual(seen, ['add a@1', 'update a@12 (was 1)']);
    await informer.stop();
  });

  it('resumes from the last resourceVersion, bookmarks included, when the server ends a healthy watch', async () => {
    const { api, informer, restarts } = setup();
    api.answerList({ items: [], resourceVersion: '10' });
    informer.start();
    await informer.waitForSync();
    await settle();
    api.lastWatch.emit({ type: 'ADDED', object: configMap('a', '11') });
    api.lastWatch.emit({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '25' } } });
    api.lastWatch.close();
    await settle();

    assert.equal(api.watches.length, 2);
    assert.equal(api.lastWatch.options.resourceVersion, '25');
    assert.equal(api.listCalls, 1, 'a clean close must not cost a relist');
    assert.deepEqual(restarts, ['closed']);
    await informer.stop();
  });

  it('relists after a watch ERROR event with code 410 and reports the deletes it missed', async () => {
    const { api, informer, seen, restarts, relists } = setup();
    api.answerList({ items: [configMap('a', '1'), configMap('b', '2')], resourceVersion: '10' });
    informer.start();
    await informer.waitForSync();
    await settle();
    const first = api.lastWatch;
    first.emit({ type: 'MODIFIED', object: configMap('a', '11') });
    api.answerList({ items: [configMap('a', '15'), configMap('c', '16')], resourceVersion: '30' });
    first.emit({
      type: 'ERROR',
      object: {
        kind: 'Status',
        status: 'Failure',
        reason: 'Expired',
        code: 410,
        message: 'too old resource version: 11 (25)',
      },
    });
    await settle();

    assert.equal(first.aborted, true, 'the expired watch is aborted, not left open');
    assert.equal(api.listCalls, 2);
    assert.deepEqual(seen.slice(2), [
      'update a@11 (was 1)',
      'update a@15 (was 11)',
      'add c@16',
      'delete b@2',
    ]);
    assert.equal(api.lastWatch.options.resourceVersion, '30');
    assert.deepEqual(restarts, ['expired']);
    assert.deepEqual(relists, ['expired']);
    assert.equal(informer.stats().relists, 1);
    await informer.stop();
  });

  it('relists after the watch request itself answers HTTP 410, after a backoff delay', async () => {
    const { delays, sleep } = recordingSleep();
    const { api, informer, relists } = setup({ sleep });
    api.answerList({ items: [configMap('a', '1')], resourceVersion: '10' });
    informer.start();
    await informer.waitForSync();
    await settle();
    api.answerList({ items: [configMap('a', '1')], resourceVersion: '40' });
    api.lastWatch.fail(new KubeApiError(410, 'GET /api/v1/configmaps: too old resource version', 'Expired'));
    await settle();

    // The watch failed at once (it never delivered anything), so even a 410 waits: no hot loop.
    assert.deepEqual(delays, [600]);
    assert.equal(api.listCalls, 2);
    assert.deepEqual(relists, ['expired']);
    assert.equal(api.lastWatch.options.resourceVersion, '40');
    await informer.stop();
  });

  it('reconnects with exponentially growing, capped, jittered delays and resets them after a good watch', async () => {
    const { delays, sleep } = recordingSleep();
    const { api, informer, restarts } = setup({
      sleep,
      backoff: { initialMs: 1000, maxMs: 8000, factor: 2, jitter: 0.5 },
    });
    api.answerList({ items: [], resourceVersion: '10' });
    informer.start();
    await informer.waitForSync();
    for (let i = 0; i < 6; i++) {
      await settle();
      api.lastWatch.fail(connectionReset());
    }
    await settle();
    // 1000·2^n capped at 8000, minus up to half at random (random() = 0.5 takes a quarter off).
    assert.deepEqual(delays, [750, 1500, 3000, 6000, 6000, 6000]);
    assert.equal(informer.stats().consecutiveFailures, 6);

    api.lastWatch.emit({ type: 'ADDED', object: configMap('a', '11') });
    api.lastWatch.fail(connectionReset());
    await settle();
    assert.deepEqual(delays.slice(6), [750], 'a watch that delivered events resets the backoff');
    assert.equal(api.lastWatch.options.resourceVersion, '11');
    assert.equal(api.listCalls, 1, 'ordinary errors resume from the last resourceVersion');
    assert.deepEqual(new Set(restarts), new Set(['error']));
    assert.equal(informer.stats().watchRestarts, 7);
    await informer.stop();
  });

  it('retries every 2 s at most while nothing listens at the API server, and backs off from the start on HTTP errors after it', async () => {
    const { delays, sleep } = recordingSleep();
    const { api, informer } = setup({ sleep });
    api.answerList({ items: [], resourceVersion: '10' });
    informer.start();
    await informer.waitForSync();
    for (let i = 0; i < 8; i++) {
      await settle();
      api.lastWatch.fail(connectionRefused());
    }
    await settle();
    // 250·2^n capped at 2000, a quarter off (random() = 0.5): an outage leaves no long wait behind.
    assert.deepEqual(delays, [188, 375, 750, 1500, 1500, 1500, 1500, 1500]);
    api.lastWatch.fail(new KubeApiError(503, 'GET /api/v1/configmaps: the server is shutting down'));
    await settle();
    assert.deepEqual(delays.slice(8), [600], 'the first HTTP error after the outage waits the initial delay');
    await informer.stop();
  });

  it('relists at once after a 410 on a watch that resumed from before a disconnect (an API server restart)', async () => {
    const { delays, sleep } = recordingSleep();
    const { api, informer, relists } = setup({ sleep });
    api.answerList({ items: [configMap('a', '1')], resourceVersion: '10' });
    informer.start();
    await informer.waitForSync();
    for (let i = 0; i < 5; i++) {
      await settle();
      api.lastWatch.fail(connectionRefused());
    }
    await settle();
    const waitedInOutage = delays.length;
    api.answerList({ items: [configMap('a', '12')], resourceVersion: '80' });
    api.lastWatch.fail(expired());
    await settle();
    assert.equal(delays.length, waitedInOutage, 'no wait between the 410 and the relist');
    assert.deepEqual(relists, ['expired']);
    assert.equal(api.lastWatch.options.resourceVersion, '80');

    // A 410 on the watch that starts from the relist's own version still waits: no hot loop.
    api.answerList({ items: [configMap('a', '12')], resourceVersion: '81' });
    api.lastWatch.fail(expired());
    await settle();
    assert.deepEqual(delays.slice(waitedInOutage), [600]);
    await informer.stop();
  });

  it('is current only while synced, connected and with no relist pending, and reports catching up once', async () => {
    const { delays, sleep } = recordingSleep();
    let recovered = 0;
    const { api, informer } = setup({ sleep, onRecover: () => recovered++ });
    assert.equal(informer.isCurrent, false);
    assert.equal(informer.describeStaleness(), 'not synced yet');
    api.answerList({ items: [], resourceVersion: '10' });
    informer.start();
    await informer.waitForSync();
    await settle();
    assert.equal(informer.isCurrent, true);
    assert.equal(recovered, 0, 'the first sync is not a recovery');

    let held: () => void = () => {};
    const gate = new Promise<void>((resolve) => (held = resolve));
    const blocked = setup({
      sleep: () => gate,
      onRecover: () => recovered++,
    });
    blocked.api.answerList({ items: [], resourceVersion: '10' });
    blocked.informer.start();
    await blocked.informer.waitForSync();
    await settle();
    blocked.api.lastWatch.fail(connectionRefused());
    await settle();
    assert.equal(blocked.informer.isCurrent, false, 'stale while waiting to reconnect');
    assert.match(blocked.informer.describeStaleness() ?? '', /^cannot watch for 0 s \(connect ECONNREFUSED/);
    held();
    await settle();
    blocked.api.lastWatch.emit({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '11' } } });
    assert.equal(blocked.informer.isCurrent, true);
    assert.equal(recovered, 1);
    await blocked.informer.stop();

    api.answerList({ items: [], resourceVersion: '20' });
    api.lastWatch.fail(connectionRefused());
    await settle();
    api.lastWatch.fail(expired());
    await settle();
    assert.equal(informer.isCurrent, true, 'current again once the relist is in');
    assert.equal(recovered, 2, 'one recovery for the whole outage');
    assert.deepEqual(delays, [188], 'only the refused connection waited');
    await informer.stop();
  });

  it('retries a failing list with backoff and reports synced only after a list succeeded', async () => {
    const { delays, sleep } = recordingSleep();
    const { api, informer } = setup({ sleep });
    api.answerList(new Error('connect ECONNREFUSED 127.0.0.1:6443'));
    api.answerList(new KubeApiError(503, 'GET /api/v1/configmaps: service unavailable'));
    informer.start();
    await settle();
    assert.equal(informer.hasSynced, false);
    assert.equal(api.watches.length, 0, 'no watch before a list succeeded');
    api.answerList({ items: [configMap('a', '1')], resourceVersion: '5' });
    assert.equal(await informer.waitForSync(), true);
    assert.deepEqual(delays, [600, 1200]);
    assert.equal(api.listCalls, 3);
    await informer.stop();
  });

  it('aborts a list that hangs and tries again', async () => {
    const { api, clock, informer } = setup({ listTimeoutMs: 10_000 });
    informer.start();
    await settle();
    assert.equal(api.listCalls, 1);
    await clock.advance(10_000);
    await clock.advance(600);
    assert.equal(api.listCalls, 2);
    api.answerList({ items: [], resourceVersion: '3' });
    assert.equal(await informer.waitForSync(), true);
    await informer.stop();
  });

  it('keeps the status of the error that made it lose contact (a watch refused: 403) until it is current again', async () => {
    const { api, clock, informer } = setup();
    api.answerList({ items: [configMap('a', '1')], resourceVersion: '10' });
    informer.start();
    await informer.waitForSync();
    await settle();
    assert.equal(informer.stats().lastErrorStatus, undefined);
    api.lastWatch.fail(
      new KubeApiError(
        403,
        'workflowruns is forbidden: User "ann" cannot watch resource "workflowruns"',
        'Forbidden',
      ),
    );
    await settle();
    assert.equal(informer.isCurrent, false);
    assert.equal(informer.stats().lastErrorStatus, 403);
    assert.match(informer.stats().lastError ?? '', /cannot watch/);
    assert.deepEqual(names(informer.list()), ['a'], 'the listed objects stay');

    await clock.advance(1_000);
    api.lastWatch.emit({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '11' } } });
    assert.equal(informer.isCurrent, true);
    assert.equal(informer.stats().lastErrorStatus, undefined);
    assert.equal(informer.stats().lastError, undefined);
    await informer.stop();
  });

  it('restarts a watch that stayed silent longer than the watchdog allows', async () => {
    const { api, clock, informer, restarts } = setup({ watchdogMs: 60_000 });
    api.answerList({ items: [], resourceVersion: '10' });
    informer.start();
    await informer.waitForSync();
    await settle();
    const first = api.lastWatch;

    await clock.advance(59_000);
    assert.equal(first.aborted, false);
    first.emit({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '11' } } });
    await clock.advance(59_000);
    assert.equal(first.aborted, false, 'every event, bookmarks too, feeds the watchdog');
    await clock.advance(1_000);
    assert.equal(first.aborted, true);
    assert.deepEqual(restarts, ['watchdog']);

    await clock.advance(600);
    assert.equal(api.watches.length, 2);
    assert.equal(api.lastWatch.options.resourceVersion, '11');
    assert.equal(api.listCalls, 1);
    await informer.stop();
  });

  it('gives up on a watch that the server takes and never answers, with openTimeoutMs, and says it lost contact', async () => {
    const recovered: number[] = [];
    const { api, clock, informer, restarts } = setup({
      openTimeoutMs: 10_000,
      onRecover: () => recovered.push(clock.now()),
    });
    api.answerList({ items: [configMap('a', '1')], resourceVersion: '10' });
    informer.start();
    await informer.waitForSync();
    await settle();
    // The first watch is answered; the server's timeout ends it cleanly, and it resumes at once.
    api.lastWatch.open();
    await clock.advance(30_000);
    assert.equal(informer.isCurrent, true);
    api.lastWatch.close();
    await settle();
    assert.deepEqual(restarts, ['closed']);

    // The host now takes the connection and never answers: nothing would end this watch but the
    // watchdog, minutes later.
    const held = api.lastWatch;
    assert.equal(api.watches.length, 2);
    await clock.advance(9_999);
    assert.equal(held.aborted, false);
    assert.equal(informer.isCurrent, true);
    await clock.advance(1);
    assert.equal(held.aborted, true);
    assert.deepEqual(restarts, ['closed', 'error']);
    assert.equal(informer.isCurrent, false);
    assert.match(informer.stats().lastError ?? '', /no answer within 10 s/);
    assert.equal(informer.stats().staleSince, clock.now());

    // An answer in time, even with no event yet, keeps the next watch; the cache is current again.
    await clock.advance(1_000);
    assert.equal(api.watches.length, 3);
    api.lastWatch.open();
    await clock.advance(60_000);
    assert.equal(api.lastWatch.aborted, false);
    assert.equal(informer.isCurrent, true);
    assert.equal(recovered.length, 1);
    assert.equal(api.listCalls, 1);
    await informer.stop();
  });

  it('lets a watch wait for its answer as long as it takes without openTimeoutMs', async () => {
    const { api, clock, informer } = setup({ watchdogMs: 600_000 });
    api.answerList({ items: [], resourceVersion: '10' });
    informer.start();
    await informer.waitForSync();
    await settle();
    await clock.advance(599_000);
    assert.equal(api.lastWatch.aborted, false);
    await informer.stop();
  });

  it('by default lets a silent watch run until its server-side timeout plus a grace period', async () => {
    const { api, clock, informer } = setup({ watchTimeoutSeconds: 100, watchdogGraceMs: 30_000 });
    api.answerList({ items: [], resourceVersion: '10' });
    informer.start();
    await informer.waitForSync();
    await settle();
    assert.equal(api.lastWatch.options.timeoutSeconds, 150);
    await clock.advance(179_999);
    assert.equal(api.lastWatch.aborted, false);
    await clock.advance(1);
    assert.equal(api.lastWatch.aborted, true);
    await informer.stop();
  });

  it('lists again when the server keeps closing watches at once without events', async () => {
    const { sleep } = recordingSleep();
    const { api, informer, relists } = setup({ sleep });
    api.answerList({ items: [], resourceVersion: '10' });
    informer.start();
    await informer.waitForSync();
    api.answerList({ items: [], resourceVersion: '90' });
    for (let i = 0; i < 3; i++) {
      await settle();
      api.lastWatch.close();
    }
    await settle();
    assert.deepEqual(relists, ['stale']);
    assert.equal(api.lastWatch.options.resourceVersion, '90');
    await informer.stop();
  });

  it('keeps going when a handler throws', async () => {
    const { api, informer, seen } = setup();
    informer.on('add', () => {
      throw new Error('handler bug');
    });
    api.answerList({ items: [configMap('a', '1')], resourceVersion: '10' });
    informer.start();
    await informer.waitForSync();
    await settle();
    api.lastWatch.emit({ type: 'ADDED', object: configMap('b', '11') });
    assert.deepEqual(seen, ['add a@1', 'add b@11']);
    assert.equal(informer.stats().resourceVersion, '11');
    await informer.stop();
  });

  it('hands every object to the update handlers again on resync', async () => {
    const { api, clock, informer, seen } = setup({ resyncIntervalMs: 30_000 });
    api.answerList({ items: [configMap('a', '1')], resourceVersion: '10' });
    informer.start();
    await informer.waitForSync();
    await clock.advance(30_000);
    assert.deepEqual(seen, ['add a@1', 'update a@1 (was 1)']);
    await informer.stop();
  });

  it('stops: aborts the watch, starts no other, and reports unsynced waiters as not synced', async () => {
    const unsynced = setup();
    unsynced.informer.start();
    const waiting = unsynced.informer.waitForSync();
    await settle();
    await unsynced.informer.stop();
    assert.equal(await waiting, false);

    const { api, clock, informer } = setup();
    api.answerList({ items: [], resourceVersion: '1' });
    informer.start();
    await informer.waitForSync();
    await settle();
    await informer.stop();
    assert.equal(api.lastWatch.aborted, true);
    await clock.advance(60 * 60_000);
    assert.equal(api.watches.length, 1);
    assert.equal(informer.isWedged(), false);
  });

  it('counts as wedged only when its loop shows no sign of life far beyond any legitimate wait', async () => {
    const { api, clock, informer } = setup({ watchdogMs: 60_000, listTimeoutMs: 10_000 });
    api.answerList({ items: [], resourceVersion: '1' });
    informer.start();
    await informer.waitForSync();
    await settle();
    const started = clock.now();
    assert.equal(informer.isWedged(started + 59_000), false);
    assert.equal(informer.isWedged(started + 121_000), true);
    await informer.stop();
  });
});
