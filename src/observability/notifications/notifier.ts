// Delivers notifications in the background: a bounded in-memory queue (when full, the oldest
// waiting delivery is dropped and counted), lanes per channel so that a channel that is down never
// delays another, a time limit per attempt, and retries with exponential backoff and jitter.
// `enqueue` never blocks and never throws: a run never waits for, or fails because of, a channel.
import { backoffDelay } from '../../kube/backoff.ts';
import { silentLogger } from '../logger.ts';
import type { Logger } from '../logger.ts';
import { DeliveryError } from './channels.ts';
import type { Channel } from './channels.ts';
import type { NotificationMessage } from './message.ts';
import type { NotificationMetrics } from './metrics.ts';

export interface Delivery {
  /** Unique per message and channel; enqueueing an id already waiting or in flight does nothing. */
  readonly id: string;
  readonly channel: string;
  readonly message: NotificationMessage;
}

/** sent: delivered. failed: refused for good or out of tries. dropped: pushed out of a full queue. */
export type DeliveryOutcome = 'sent' | 'failed' | 'dropped';

export interface RetryPolicy {
  /** Tries per delivery, the first included. */
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Fraction of each delay that is random (taken off it): 0.5 waits between 50 % and 100 %. */
  readonly jitter?: number;
}

export interface NotifierOptions {
  readonly channels: readonly Channel[];
  readonly queueSize: number;
  readonly retry: RetryPolicy;
  /** Deliveries in flight per channel; default 1, which keeps a channel's messages in order. */
  readonly concurrency?: number;
  /** Waits between tries; tests pass one that resolves at once (or on their signal). */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly metrics?: NotificationMetrics;
  readonly logger?: Logger;
  /** Called once per delivery that settles (not for deliveries abandoned by `stop`). */
  readonly onSettled?: (delivery: Delivery, outcome: DeliveryOutcome) => void;
}

interface Entry {
  readonly delivery: Delivery;
  readonly seq: number;
  attempts: number;
  state: 'ready' | 'waiting' | 'sending';
}

interface Lane {
  readonly channel: Channel;
  readonly ready: Entry[];
  active: number;
}

const defaultSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    // Unref'd: a retry waiting for its turn must not keep a finishing process alive.
    setTimeout(resolve, ms).unref();
  });

export class Notifier {
  private readonly lanes = new Map<string, Lane>();
  private readonly pending = new Map<string, Entry>();
  private readonly inFlight = new Set<AbortController>();
  private readonly idleWaiters: (() => void)[] = [];
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly log: Logger;
  private readonly concurrency: number;
  private seq = 0;
  private stopped = false;

  constructor(private readonly options: NotifierOptions) {
    for (const channel of options.channels) this.lanes.set(channel.name, { channel, ready: [], active: 0 });
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.log = options.logger ?? silentLogger();
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    options.metrics?.trackQueueDepth(() => this.pending.size);
  }

  /** Channel names deliveries can go to. */
  get channelNames(): string[] {
    return [...this.lanes.keys()];
  }

  hasChannel(name: string): boolean {
    return this.lanes.has(name);
  }

  /** Deliveries waiting, retrying or in flight. */
  get depth(): number {
    return this.pending.size;
  }

  /** Whether a delivery with this id is waiting, retrying or in flight. */
  has(id: string): boolean {
    return this.pending.has(id);
  }

  /** Queues a delivery; returns at once. An unknown channel settles it as failed. */
  enqueue(delivery: Delivery): void {
    if (this.stopped || this.pending.has(delivery.id)) return;
    const lane = this.lanes.get(delivery.channel);
    if (!lane) {
      this.log.warn(
        { channel: delivery.channel, event: delivery.message.event, run: delivery.message.run },
        `No notification channel named ${delivery.channel} is configured; the workflow asks for it, so the message is not sent.`,
      );
      this.settle({ delivery, seq: 0, attempts: 0, state: 'ready' }, 'failed');
      return;
    }
    if (this.pending.size >= this.options.queueSize) this.dropOldest();
    const entry: Entry = { delivery, seq: this.seq++, attempts: 0, state: 'ready' };
    this.pending.set(delivery.id, entry);
    lane.ready.push(entry);
    this.pump(lane);
  }

  /**
   * Stops taking deliveries and waits up to `timeoutMs` for the queue to empty; whatever is left is
   * abandoned without being settled (its run will be notified again by whoever reconciles it next).
   */
  async stop(timeoutMs: number): Promise<void> {
    this.stopped = true;
    if (this.pending.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    }
    for (const controller of this.inFlight) controller.abort();
    if (this.pending.size > 0)
      this.log.warn(
        { abandoned: this.pending.size },
        'Notifications still queued at shutdown were not delivered.',
      );
    this.pending.clear();
  }

  /** Resolves once nothing is waiting or in flight (tests, and the CLI before it exits). */
  async idle(): Promise<void> {
    if (this.pending.size === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private dropOldest(): void {
    let oldest: Entry | undefined;
    for (const entry of this.pending.values()) {
      if (entry.state !== 'sending' && (!oldest || entry.seq < oldest.seq)) oldest = entry;
    }
    if (!oldest) return;
    const lane = this.lanes.get(oldest.delivery.channel);
    const i = lane?.ready.indexOf(oldest) ?? -1;
    if (lane && i >= 0) lane.ready.splice(i, 1);
    this.log.warn(
      {
        channel: oldest.delivery.channel,
        event: oldest.delivery.message.event,
        run: oldest.delivery.message.run,
      },
      'The notification queue is full: dropped the oldest waiting notification.',
    );
    this.options.metrics?.dropped.inc({ channel: oldest.delivery.channel });
    this.settle(oldest, 'dropped');
  }

  private pump(lane: Lane): void {
    while (lane.active < this.concurrency && lane.ready.length > 0) {
      const entry = lane.ready.shift() as Entry;
      lane.active++;
      // In the background: enqueue never waits. attempt() settles every channel error itself; the
      // catch is for a defect, which must not become an unhandled rejection that ends the process.
      this.attempt(lane, entry)
        .catch((error: unknown) =>
          this.log.error({ err: error }, 'A notification attempt failed unexpectedly.'),
        )
        .finally(() => {
          lane.active--;
          if (!this.stopped) this.pump(lane);
        });
    }
  }

  private async attempt(lane: Lane, entry: Entry): Promise<void> {
    const { delivery } = entry;
    const fields = { channel: delivery.channel, event: delivery.message.event, run: delivery.message.run };
    entry.state = 'sending';
    entry.attempts++;
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timer = setTimeout(() => controller.abort(), lane.channel.timeoutMs);
    let error: unknown;
    try {
      await lane.channel.send(delivery.message, controller.signal);
    } catch (e) {
      error =
        controller.signal.aborted && !(e instanceof DeliveryError) ? new DeliveryError('timed out', true) : e;
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(controller);
    }
    if (this.stopped && !this.pending.has(delivery.id)) return;
    const metrics = this.options.metrics;
    if (error === undefined) {
      metrics?.attempts.inc({ channel: delivery.channel, result: 'success' });
      this.log.debug({ ...fields, attempt: entry.attempts }, 'Notification delivered.');
      this.settle(entry, 'sent');
      return;
    }
    metrics?.attempts.inc({ channel: delivery.channel, result: 'error' });
    const retryable = !(error instanceof DeliveryError) || error.retryable;
    const reason = (error as Error).message;
    if (!retryable || entry.attempts >= this.options.retry.maxAttempts || this.stopped) {
      this.log.warn(
        { ...fields, attempts: entry.attempts, reason },
        retryable
          ? `Gave up delivering a notification after ${entry.attempts} tries.`
          : 'The notification channel refused the message; it is not retried.',
      );
      this.settle(entry, 'failed');
      return;
    }
    const delay = this.backoff(entry.attempts);
    this.log.debug(
      { ...fields, attempt: entry.attempts, retryInMs: delay, reason },
      'Notification not delivered; retrying.',
    );
    entry.state = 'waiting';
    // The lane's slot is free while this one waits: other messages of the channel go on. Not awaited
    // on purpose; sleep never rejects.
    void this.sleep(delay).then(() => {
      // Dropped from a full queue, or abandoned by stop, while it waited.
      if (this.pending.get(delivery.id) !== entry || this.stopped) return;
      entry.state = 'ready';
      lane.ready.push(entry);
      this.pump(lane);
    });
  }

  /** Exponential from initialBackoffMs, capped at maxBackoffMs, with jitter taken off the delay. */
  private backoff(attempt: number): number {
    const { initialBackoffMs, maxBackoffMs, jitter = 0.5 } = this.options.retry;
    return backoffDelay(
      attempt,
      { initialMs: initialBackoffMs, maxMs: maxBackoffMs, factor: 2, jitter },
      this.random,
    );
  }

  private settle(entry: Entry, outcome: DeliveryOutcome): void {
    const { delivery } = entry;
    if (this.pending.get(delivery.id) === entry) this.pending.delete(delivery.id);
    this.options.metrics?.outcomes.inc({
      channel: delivery.channel,
      event: delivery.message.event,
      result: outcome,
    });
    try {
      this.options.onSettled?.(delivery, outcome);
    } catch (error) {
      this.log.error({ err: error }, 'A notification callback failed.');
    }
    if (this.pending.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
