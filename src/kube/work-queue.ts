// A deduplicating, rate-limited work queue of object keys with N workers (client-go's semantics, and
// Pepr's per-key exclusivity: one key never runs twice at once), with per-key backoff and delays.
import { silentLogger, type Logger } from '../observability/logger.ts';
import { backoffDelay, type BackoffPolicy } from './backoff.ts';
import { systemClock, type Clock, type TimerHandle } from './clock.ts';

/**
 * What a handler asks for after a successful pass: `requeueAfterMs` to look again later (a retry
 * delay, a timeout, an approval deadline), `requeue` to come back with the per-key backoff.
 */
export type WorkOutcome = void | { requeueAfterMs?: number; requeue?: boolean };

export type WorkHandler = (key: string) => Promise<WorkOutcome> | WorkOutcome;

export interface WorkQueueOptions {
  /** Keys processed at the same time (distinct keys; one key never runs twice at once). Default 4. */
  concurrency?: number;
  /** Per-key retry delays after failures; default 500 ms doubling to 5 min, no jitter. */
  backoff?: Partial<BackoffPolicy>;
  clock?: Clock;
  random?: () => number;
  /** Start without processing (keys still collect); `resume()` starts the workers, e.g. when leading. */
  paused?: boolean;
  logger?: Logger;
  /** Called when a handler throws, after the key was re-queued with backoff. */
  onError?: (key: string, error: unknown, retryInMs: number) => void;
}

const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 5 * 60_000, factor: 2, jitter: 0 };

export class WorkQueue {
  private readonly concurrency: number;
  private readonly backoff: BackoffPolicy;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly log: Logger;
  /** Keys ready to run, in order. */
  private readonly queue: string[] = [];
  /** Keys that must run (again): waiting in `queue`, or to be queued when their current run ends. */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly delayed = new Map<string, { at: number; timer: TimerHandle }>();
  private readonly failures = new Map<string, number>();
  private readonly idleWaiters = new Set<() => void>();
  private paused: boolean;
  private shuttingDown = false;
  private drained: Promise<void> | undefined;

  constructor(
    private readonly handler: WorkHandler,
    private readonly options: WorkQueueOptions = {},
  ) {
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.paused = options.paused ?? false;
    this.log = options.logger ?? silentLogger();
  }

  /** Keys waiting to run (not counting delayed or running ones): the queue-depth metric. */
  get depth(): number {
    return this.queue.length;
  }

  /** Keys with a delayed requeue pending. */
  get delayedCount(): number {
    return this.delayed.size;
  }

  /** Keys being processed right now. */
  get active(): number {
    return this.processing.size;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Queues `key` unless it is already waiting; a key being processed runs once more afterwards. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (!this.processing.has(key)) this.queue.push(key);
    this.pump();
  }

  /**
   * Queues `key` after `ms`. When a delayed add for the key is already pending, the earlier deadline
   * wins: a timer asks for "no later than", and an extra reconcile is harmless while a late one is not.
   */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending) {
      if (pending.at <= at) return;
      this.clock.clearTimer(pending.timer);
    }
    const timer = this.clock.setTimer(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, timer });
  }

  /** Queues `key` after its next backoff delay (which grows with each call until `forget`); returns it. */
  addRateLimited(key: string): number {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    const delayMs = backoffDelay(failures, this.backoff, this.random);
    this.addAfter(key, delayMs);
    return delayMs;
  }

  /** Clears the key's backoff: the next failure waits the initial delay again. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** How many rate-limited requeues the key has had since it was last forgotten. */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Stops starting work (keys keep collecting) until `resume()`; running keys finish. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.pump();
  }

  /** Resolves when nothing is queued or running (delayed keys do not count). */
  onIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.add(resolve));
  }

  /**
   * Stops taking work: waiting and delayed keys are dropped (the next start lists everything again),
   * adds are ignored, and the promise resolves once the keys being processed have finished.
   */
  shutDown(): Promise<void> {
    if (this.drained) return this.drained;
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) this.clock.clearTimer(timer);
    this.delayed.clear();
    for (const key of this.queue) this.dirty.delete(key);
    this.queue.length = 0;
    this.drained = this.onIdle();
    return this.drained;
  }

  private isIdle(): boolean {
    return this.processing.size === 0 && (this.queue.length === 0 || this.paused || this.shuttingDown);
  }

  private pump(): void {
    while (
      !this.paused &&
      !this.shuttingDown &&
      this.processing.size < this.concurrency &&
      this.queue.length > 0
    ) {
      const key = this.queue.shift()!;
      this.dirty.delete(key);
      this.processing.add(key);
      // Run on a later microtask so that add() never calls the handler inside its caller's stack.
      // Not awaited on purpose: process() catches the handler's errors and turns them into retries.
      void Promise.resolve().then(() => this.process(key));
    }
    if (this.isIdle()) {
      for (const resolve of this.idleWaiters) resolve();
      this.idleWaiters.clear();
    }
  }

  private async process(key: string): Promise<void> {
    let outcome: WorkOutcome = undefined;
    let failure: { error: unknown } | undefined;
    try {
      outcome = await this.handler(key);
    } catch (error) {
      failure = { error };
    }
    this.processing.delete(key);
    if (this.shuttingDown) {
      // Nothing new starts; just let shutDown() know when the last key finished.
      this.dirty.delete(key);
    } else if (failure) {
      const retryInMs = this.addRateLimited(key);
      this.log.warn(
        { object: key, err: failure.error, attempt: this.numRequeues(key), retryInMs },
        `Processing ${key} failed; retrying in ${retryInMs} ms.`,
      );
      try {
        this.options.onError?.(key, failure.error, retryInMs);
      } catch {
        // An error hook that throws must not stop the queue.
      }
    } else {
      this.forget(key);
      if (outcome?.requeue) this.addRateLimited(key);
      else if (outcome?.requeueAfterMs !== undefined) this.addAfter(key, outcome.requeueAfterMs);
    }
    // Re-added while it ran: it goes to the back of the line now that it is free again.
    if (this.dirty.has(key)) this.queue.push(key);
    this.pump();
  }
}
