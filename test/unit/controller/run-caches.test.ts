// The controller's run cache in two halves (run-caches.ts), over real informers fed by scripted lists
// and watches: what a reconcile may read once the unfinished runs are in, the finished runs listed
// after them, each run read and listed once while it moves, and the one-cache fallback.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { Informer } from '../../../src/kube/informer.ts';
import { RunCaches } from '../../../src/controller/run-caches.ts';
import { FakeClock, settle } from '../kube/support/fake-clock.ts';
import { FakeListWatch } from '../kube/support/fake-list-watch.ts';

const run = (name: string, resourceVersion: string, phase?: string): KubernetesObject =>
  ({
    apiVersion: 'conveyor.dev/v1alpha1',
    kind: 'WorkflowRun',
    metadata: { name, namespace: 'ns', resourceVersion },
    status: phase ? { phase } : {},
  }) as KubernetesObject;

function informer(name: string, clock: FakeClock) {
  const api = new FakeListWatch<KubernetesObject>();
  return {
    api,
    informer: new Informer({ name, list: api.list, watch: api.watch, clock, random: () => 0.5 }),
  };
}

function setup(options: { canSplit?: boolean } = {}) {
  const clock = new FakeClock();
  const unfinished = informer('workflowruns', clock);
  const finished = ['succeeded', 'failed', 'cancelled'].map((p) => informer(`workflowruns-${p}`, clock));
  const whole = informer('workflowruns', clock);
  let allowFinished!: () => void;
  const finishedMayStart = new Promise<void>((resolve) => (allowFinished = resolve));
  const caches = new RunCaches({
    split: { unfinished: unfinished.informer, finished: finished.map((f) => f.informer) },
    whole: whole.informer,
    canSplit: async () => options.canSplit ?? true,
    finishedAfter: async () => finishedMayStart,
  });
  let completions = 0;
  caches.onComplete = () => completions++;
  const changes: string[] = [];
  caches.on('change', (c) =>
    changes.push(
      `${c.type} ${c.object.metadata?.name}${c.type === 'updated' ? ` ${phaseOf(c.old)}->${phaseOf(c.object)}` : ''}`,
    ),
  );
  return { caches, unfinished, finished, whole, allowFinished, completions: () => completions, changes };
}

const phaseOf = (o: KubernetesObject | undefined): string | undefined =>
  (o as { status?: { phase?: string } } | undefined)?.status?.phase;

const names = (objects: KubernetesObject[]) => objects.map((o) => o.metadata?.name).sort();

describe('run caches split by phase', () => {
  it('lets runs be read once the unfinished runs are listed, and lists the finished ones only after', async () => {
    const { caches, unfinished, finished, allowFinished, completions } = setup();
    unfinished.api.answerList({
      items: [run('new', '5'), run('waiting', '6', 'AwaitingApproval')],
      resourceVersion: '9',
    });
    caches.start();
    assert.equal(await caches.waitForSync(), true);
    assert.equal(caches.layout, 'split');
    assert.equal(caches.get('ns', 'waiting')?.metadata?.resourceVersion, '6');
    assert.deepEqual(names(caches.list('ns')), ['new', 'waiting']);
    await settle();
    // The finished runs have not even been asked for, so nothing that reads them may act yet.
    assert.deepEqual(
      finished.map((f) => f.api.listCalls),
      [0, 0, 0],
    );
    assert.equal(caches.complete, false);
    assert.equal(caches.isCurrent, true, 'reconciling runs while the finished ones are listed is working');

    allowFinished();
    await settle();
    assert.deepEqual(
      finished.map((f) => f.api.listCalls),
      [1, 1, 1],
    );
    finished[0]!.api.answerList({ items: [run('old', '2', 'Succeeded')], resourceVersion: '9' });
    finished[1]!.api.answerList({ items: [run('broke', '3', 'Failed')], resourceVersion: '9' });
    await settle();
    assert.equal(caches.complete, false, 'one finished phase is still being listed');
    assert.equal(completions(), 0);
    finished[2]!.api.answerList({ items: [], resourceVersion: '9' });
    await settle();
    assert.equal(caches.complete, true);
    assert.equal(completions(), 1);
    assert.deepEqual(names(caches.list()), ['broke', 'new', 'old', 'waiting']);
    await caches.stop();
  });

  it('reads and lists a run once while it moves from the unfinished half to a finished one', async () => {
    const { caches, unfinished, finished, allowFinished, changes } = setup();
    unfinished.api.answerList({ items: [run('moving', '5', 'Running')], resourceVersion: '9' });
    allowFinished();
    for (const f of finished) f.api.answerList({ items: [], resourceVersion: '9' });
    caches.start();
    await caches.waitForSync();
    await settle();
    assert.equal(caches.complete, true);

    // The finished watch may tell of the run before the unfinished watch says it left: readers see
    // the newer copy at once, and nobody is told the run was deleted.
    finished[0]!.api.lastWatch.emit({ type: 'ADDED', object: run('moving', '7', 'Succeeded') });
    assert.deepEqual(names(caches.list('ns')), ['moving']);
    assert.equal(phaseOf(caches.list('ns')[0]), 'Succeeded');
    assert.equal(phaseOf(caches.get('ns', 'moving')), 'Succeeded');
    assert.equal(caches.keys().length, 1);
    unfinished.api.lastWatch.emit({ type: 'DELETED', object: run('moving', '7', 'Succeeded') });
    assert.equal(phaseOf(caches.get('ns', 'moving')), 'Succeeded');
    assert.deepEqual(names(caches.list('ns')), ['moving']);
    assert.deepEqual(changes, [
      'added moving',
      'updated moving Running->Succeeded',
      'updated moving Succeeded->Succeeded',
    ]);
    await caches.stop();
  });

  it('tells a run that leaves one half after the other holds it as an update, never a deletion', async () => {
    const { caches, unfinished, finished, allowFinished, changes } = setup();
    unfinished.api.answerList({ items: [], resourceVersion: '9' });
    finished[0]!.api.answerList({ items: [run('rolled', '5', 'Succeeded')], resourceVersion: '9' });
    for (const f of finished.slice(1)) f.api.answerList({ items: [], resourceVersion: '9' });
    allowFinished();
    caches.start();
    await caches.waitForSync();
    await settle();
    // A rollback brings a finished run back to work: it enters the unfinished half, then leaves the other.
    unfinished.api.lastWatch.emit({ type: 'ADDED', object: run('rolled', '8', 'Running') });
    finished[0]!.api.lastWatch.emit({ type: 'DELETED', object: run('rolled', '8', 'Running') });
    assert.equal(phaseOf(caches.get('ns', 'rolled')), 'Running');
    assert.deepEqual(changes.slice(-2), [
      'updated rolled Succeeded->Running',
      'updated rolled Running->Running',
    ]);
    await caches.stop();
  });

  it('keeps one cache of every run where the API server cannot select runs by phase', async () => {
    const { caches, unfinished, finished, whole, completions } = setup({ canSplit: false });
    whole.api.answerList({ items: [run('new', '5'), run('old', '2', 'Succeeded')], resourceVersion: '9' });
    caches.start();
    assert.equal(await caches.waitForSync(), true);
    await settle();
    assert.equal(caches.layout, 'whole');
    assert.equal(caches.complete, true);
    assert.equal(completions(), 1);
    assert.deepEqual(names(caches.list()), ['new', 'old']);
    assert.equal(unfinished.api.listCalls + finished.reduce((n, f) => n + f.api.listCalls, 0), 0);
    await caches.stop();
  });

  it('is not current once a finished half that had synced has lost its watch', async () => {
    const { caches, unfinished, finished, allowFinished } = setup();
    unfinished.api.answerList({ items: [], resourceVersion: '9' });
    for (const f of finished) f.api.answerList({ items: [], resourceVersion: '9' });
    allowFinished();
    caches.start();
    await caches.waitForSync();
    await settle();
    assert.equal(caches.isCurrent, true);
    finished[1]!.api.lastWatch.fail(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    await settle();
    assert.equal(caches.isCurrent, false);
    assert.match(caches.describeStaleness() ?? '', /workflowruns-failed: cannot watch/);
    await caches.stop();
  });
});
