// The work queue with a fake clock: deduplication, one worker per key, per-key backoff, delayed
// requeues (earliest deadline wins), bounded concurrency, pausing and shutdown.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkQueue, type WorkHandler, type WorkOutcome } from '../../../src/kube/work-queue.ts';
import { FakeClock, settle } from './support/fake-clock.ts';

/** A handler whose calls stay open until the test finishes them. */
function controlledHandler() {
  const calls: { key: string; finish: (outcome?: WorkOutcome) => void; fail: (error: Error) => void }[] = [];
  let running = 0;
  let peak = 0;
  const handler: WorkHandler = (key) =>
    new Promise<WorkOutcome>((resolve, reject) => {
      running++;
      peak = Math.max(peak, running);
      const done = () => running--;
      calls.push({
        key,
        finish: (outcome) => (done(), resolve(outcome)),
        fail: (error) => (done(), reject(error)),
      });
    });
  return { handler, calls, peak: () => peak, keys: () => calls.map((c) => c.key) };
}

describe('work queue', () => {
  it('processes a key queued twice while waiting only once', async () => {
    const processed: string[] = [];
    const queue = new WorkQueue((key) => void processed.push(key), { paused: true });
    queue.add('ns/a');
    queue.add('ns/b');
    queue.add('ns/a');
    assert.equal(queue.depth, 2);
    queue.resume();
    await queue.onIdle();
    assert.deepEqual(processed, ['ns/a', 'ns/b']);
    assert.equal(queue.depth, 0);
  });

  it('never processes one key concurrently: an add during processing runs it once more afterwards', async () => {
    const h = controlledHandler();
    const queue = new WorkQueue(h.handler, { concurrency: 4 });
    queue.add('ns/a');
    await settle();
    assert.deepEqual(h.keys(), ['ns/a']);
    queue.add('ns/a');
    queue.add('ns/a');
    await settle();
    assert.deepEqual(h.keys(), ['ns/a'], 'not started again while the first run is in flight');
    assert.equal(queue.depth, 0, 'waits outside the ready queue until the key is free');
    h.calls[0]!.finish();
    await settle();
    assert.deepEqual(h.keys(), ['ns/a', 'ns/a']);
    h.calls[1]!.finish();
    await queue.onIdle();
    assert.equal(h.peak(), 1);
    assert.equal(h.calls.length, 2);
  });

  it('retries a failing key with exponentially growing delays and starts over after a success', async () => {
    const clock = new FakeClock();
    let failing = true;
    const attempts: number[] = [];
    const retries: number[] = [];
    const queue = new WorkQueue(
      () => {
        attempts.push(clock.now());
        if (failing) throw new Error('API server unavailable');
      },
      {
        clock,
        backoff: { initialMs: 100, maxMs: 1000 },
        onError: (_key, _error, retryInMs) => retries.push(retryInMs),
      },
    );
    const start = clock.now();
    queue.add('ns/a');
    await settle();
    for (let i = 0; i < 5; i++) await clock.next();
    assert.deepEqual(retries, [100, 200, 400, 800, 1000, 1000]);
    assert.deepEqual(
      attempts.map((t) => t - start),
      [0, 100, 300, 700, 1500, 2500],
    );
    assert.equal(queue.numRequeues('ns/a'), 6);

    failing = false;
    await clock.next();
    assert.equal(queue.numRequeues('ns/a'), 0, 'success forgets the failures');
    failing = true;
    queue.add('ns/a');
    await settle();
    assert.deepEqual(retries.at(-1), 100);
    await queue.shutDown();
  });

  it('forget resets the backoff of a key', () => {
    const clock = new FakeClock();
    const queue = new WorkQueue(() => {}, { clock, backoff: { initialMs: 10, maxMs: 10_000 }, paused: true });
    assert.equal(queue.addRateLimited('ns/a'), 10);
    assert.equal(queue.addRateLimited('ns/a'), 20);
    assert.equal(queue.addRateLimited('ns/b'), 10, 'backoff is per key');
    queue.forget('ns/a');
    assert.equal(queue.addRateLimited('ns/a'), 10);
  });

  it('runs delayed keys in deadline order, and the earlier of two deadlines for a key wins', async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const processed: string[] = [];
    const queue = new WorkQueue((key) => void processed.push(`${key}@${clock.now() - start}`), { clock });
    queue.addAfter('ns/a', 5_000);
    queue.addAfter('ns/b', 1_000);
    queue.addAfter('ns/a', 2_000);
    queue.addAfter('ns/b', 9_000);
    assert.equal(queue.delayedCount, 2);
    await clock.advance(10_000);
    assert.deepEqual(processed, ['ns/b@1000', 'ns/a@2000']);
    assert.equal(queue.delayedCount, 0);
  });

  it('requeues after the delay a handler asks for', async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const runs: number[] = [];
    const queue = new WorkQueue(
      () => {
        runs.push(clock.now() - start);
        return runs.length < 3 ? { requeueAfterMs: 30_000 } : undefined;
      },
      { clock },
    );
    queue.add('ns/a');
    await clock.advance(120_000);
    assert.deepEqual(runs, [0, 30_000, 60_000]);
  });

  it('runs at most N keys at once and still gets through all of them', async () => {
    const h = controlledHandler();
    const queue = new WorkQueue(h.handler, { concurrency: 2 });
    for (const key of ['a', 'b', 'c', 'd', 'e']) queue.add(`ns/${key}`);
    await settle();
    const rounds: number[] = [];
    while (h.calls.length > 0) {
      rounds.push(queue.active);
      for (const call of h.calls.splice(0)) call.finish();
      await settle();
    }
    assert.deepEqual(rounds, [2, 2, 1]);
    await queue.onIdle();
    assert.equal(h.peak(), 2);
  });

  it('collects keys while paused and starts them on resume', async () => {
    const processed: string[] = [];
    const queue = new WorkQueue((key) => void processed.push(key), { paused: true });
    queue.add('ns/a');
    await settle();
    assert.deepEqual(processed, []);
    queue.resume();
    await queue.onIdle();
    assert.deepEqual(processed, ['ns/a']);
  });

  it('shuts down: finishes what is running, drops what waits, and takes no new work', async () => {
    const clock = new FakeClock();
    const h = controlledHandler();
    const queue = new WorkQueue(h.handler, { concurrency: 1, clock });
    queue.add('ns/a');
    queue.add('ns/b');
    queue.addAfter('ns/c', 1_000);
    await settle();
    let finished = false;
    const shutdown = queue.shutDown().then(() => (finished = true));
    queue.add('ns/d');
    await settle();
    assert.equal(finished, false, 'waits for the key in flight');
    assert.equal(queue.depth, 0);
    assert.equal(queue.delayedCount, 0);
    h.calls[0]!.finish();
    await shutdown;
    await clock.advance(5_000);
    assert.deepEqual(h.keys(), ['ns/a']);
  });

  it('a key that fails while shutting down is not retried', async () => {
    const h = controlledHandler();
    const queue = new WorkQueue(h.handler);
    queue.add('ns/a');
    await settle();
    const shutdown = queue.shutDown();
    h.calls[0]!.fail(new Error('boom'));
    await shutdown;
    assert.equal(queue.delayedCount, 0);
  });
});
