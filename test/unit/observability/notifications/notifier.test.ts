// The notifier's queue and delivery rules with fake channels and a fake wait: bounded queue with
// drops counted, retries with exponential backoff and jitter, refusals not retried, channels that
// never hold each other up, and a shutdown that abandons rather than records.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { DeliveryError } from '../../../../src/observability/notifications/channels.ts';
import type { Channel } from '../../../../src/observability/notifications/channels.ts';
import type { NotificationMessage } from '../../../../src/observability/notifications/message.ts';
import { createNotificationMetrics } from '../../../../src/observability/notifications/metrics.ts';
import { Notifier } from '../../../../src/observability/notifications/notifier.ts';
import type {
  Delivery,
  DeliveryOutcome,
  NotifierOptions,
} from '../../../../src/observability/notifications/notifier.ts';

const message = (run: string): NotificationMessage => ({
  id: `ns/${run}/started`,
  event: 'started',
  workflow: 'wf',
  run,
  namespace: 'ns',
  phase: 'Running',
  message: 'The run started.',
  time: new Date(0).toISOString(),
});

interface FakeChannel extends Channel {
  readonly sent: string[];
  /** Resolves the sends waiting on `hold`. */
  release(): void;
}

function channel(
  name: string,
  behaviour: (run: string, attempt: number) => 'ok' | 'retry' | 'refuse' | 'hang' = () => 'ok',
): FakeChannel {
  const sent: string[] = [];
  const attempts = new Map<string, number>();
  let release: () => void = () => undefined;
  let held = new Promise<void>((resolve) => (release = resolve));
  return {
    name,
    type: 'webhook',
    timeoutMs: 60_000,
    sent,
    release() {
      release();
      held = new Promise<void>((resolve) => (release = resolve));
    },
    async send(m) {
      const n = (attempts.get(m.run) ?? 0) + 1;
      attempts.set(m.run, n);
      const what = behaviour(m.run, n);
      if (what === 'hang') await held;
      if (what === 'retry') throw new DeliveryError('HTTP 503', true);
      if (what === 'refuse') throw new DeliveryError('HTTP 400', false);
      sent.push(m.run);
    },
  };
}

function notifier(channels: Channel[], over: Partial<NotifierOptions> = {}) {
  const settled: [string, DeliveryOutcome][] = [];
  const delays: number[] = [];
  const registry = new Registry();
  const metrics = createNotificationMetrics(registry);
  const n = new Notifier({
    channels,
    queueSize: 100,
    retry: { maxAttempts: 4, initialBackoffMs: 1000, maxBackoffMs: 3000 },
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 0.5,
    metrics,
    onSettled: (d: Delivery, outcome) => settled.push([d.id, outcome]),
    ...over,
  });
  const send = (run: string, to = channels[0]?.name ?? ''): void =>
    n.enqueue({ id: `${run}@${to}`, channel: to, message: message(run) });
  return { n, send, settled, delays, registry };
}

async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const found = metric?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x));
  return found?.value ?? 0;
}

describe('the notifier', () => {
  it('delivers and reports each delivery once', async () => {
    const slack = channel('slack');
    const { n, send, settled, registry } = notifier([slack]);
    send('r1');
    send('r1'); // the same id again while queued: ignored
    send('r2');
    await n.idle();
    assert.deepEqual(slack.sent, ['r1', 'r2']);
    assert.deepEqual(settled, [
      ['r1@slack', 'sent'],
      ['r2@slack', 'sent'],
    ]);
    assert.equal(
      await metricValue(registry, 'conveyor_notifications_total', { channel: 'slack', result: 'sent' }),
      2,
    );
  });

  it('retries with exponential backoff and jitter, up to maxAttempts, then gives up', async () => {
    const hook = channel('hook', () => 'retry');
    const { n, send, settled, delays, registry } = notifier([hook]);
    send('r1');
    await n.idle();
    // 1 s, 2 s, 4 s capped at 3 s; random 0.5 with jitter 0.5 takes a quarter off each.
    assert.deepEqual(delays, [750, 1500, 2250]);
    assert.deepEqual(settled, [['r1@hook', 'failed']]);
    assert.equal(
      await metricValue(registry, 'conveyor_notification_attempts_total', {
        channel: 'hook',
        result: 'error',
      }),
      4,
    );
  });

  it('succeeds on a later try', async () => {
    const hook = channel('hook', (_run, attempt) => (attempt < 3 ? 'retry' : 'ok'));
    const { n, send, settled, delays } = notifier([hook]);
    send('r1');
    await n.idle();
    assert.deepEqual(delays.length, 2);
    assert.deepEqual(settled, [['r1@hook', 'sent']]);
  });

  it('does not retry what the channel refused', async () => {
    const hook = channel('hook', () => 'refuse');
    const { n, send, settled, delays } = notifier([hook]);
    send('r1');
    await n.idle();
    assert.deepEqual(delays, []);
    assert.deepEqual(settled, [['r1@hook', 'failed']]);
  });

  it('drops the oldest waiting delivery when the queue is full, and counts it', async () => {
    const hook = channel('hook', (run) => (run === 'r1' ? 'hang' : 'ok'));
    const { n, send, settled, registry } = notifier([hook], { queueSize: 3 });
    for (const run of ['r1', 'r2', 'r3', 'r4', 'r5']) send(run);
    // r1 is being sent (never dropped); r2 and r3 were the oldest waiting.
    assert.equal(n.depth, 3);
    assert.deepEqual(settled, [
      ['r2@hook', 'dropped'],
      ['r3@hook', 'dropped'],
    ]);
    assert.equal(await metricValue(registry, 'conveyor_notifications_dropped_total', { channel: 'hook' }), 2);
    const depth = await metricValue(registry, 'conveyor_notification_queue_depth', {});
    assert.equal(depth, 3);
    hook.release();
    await n.idle();
    assert.deepEqual(hook.sent, ['r1', 'r4', 'r5']);
  });

  it('never lets a channel that hangs hold up another channel', async () => {
    const down = channel('down', () => 'hang');
    const up = channel('up');
    const { n, send, settled } = notifier([down, up]);
    send('r1', 'down');
    send('r2', 'down');
    send('r1', 'up');
    send('r2', 'up');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(up.sent, ['r1', 'r2']);
    assert.deepEqual(
      settled.map(([id]) => id),
      ['r1@up', 'r2@up'],
    );
    assert.equal(n.depth, 2);
    await n.stop(10);
  });

  it('gives an attempt that outlives the channel timeout up as a retryable failure', async () => {
    const slow: Channel = {
      name: 'slow',
      type: 'webhook',
      timeoutMs: 20,
      send: (_m, signal) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(new Error('aborted'))),
        ),
    };
    const { n, send, settled, delays } = notifier([slow], {
      retry: { maxAttempts: 2, initialBackoffMs: 1, maxBackoffMs: 1 },
    });
    send('r1');
    await n.idle();
    assert.equal(delays.length, 1, 'retried once');
    assert.deepEqual(settled, [['r1@slow', 'failed']]);
  });

  it('settles a delivery to a channel that is not configured as failed, without queueing it', () => {
    const { n, settled } = notifier([channel('slack')]);
    n.enqueue({ id: 'x', channel: 'pager', message: message('r1') });
    assert.deepEqual(settled, [['x', 'failed']]);
    assert.equal(n.depth, 0);
  });

  it('abandons what is left at shutdown without reporting it as handled', async () => {
    const hook = channel('hook', () => 'hang');
    const { n, send, settled } = notifier([hook]);
    send('r1');
    send('r2');
    await n.stop(10);
    assert.deepEqual(settled, []);
    assert.equal(n.depth, 0);
    send('r3');
    assert.equal(n.depth, 0, 'a stopped notifier takes nothing');
  });
});
