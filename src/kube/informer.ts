// A list+watch informer for any resource: a cache plus add/update/delete handlers that never stops on
// its own: 410 relists, errors reconnect with capped backoff, a watchdog restarts silent watches. It
// knows whether its cache is current (synced, connected, no relist pending) for /readyz, and says so
// when it catches up after an outage.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { silentLogger, type Logger } from '../observability/logger.ts';
import { KubeApiError, isGone, isUnreachable, statusCodeOf } from './api-error.ts';
import { backoffDelay, type BackoffPolicy } from './backoff.ts';
import {
  raceAbort,
  sleepOn,
  systemClock,
  withDeadline,
  type Clock,
  type Sleep,
  type TimerHandle,
} from './clock.ts';
import { createKubeListWatch } from './kube-list-watch.ts';
import type { ListFn, ResourceSelector, WatchEvent, WatchFn } from './list-watch.ts';
import { ObjectCache, type CacheChange } from './object-cache.ts';
import { keyOf } from './object-key.ts';

/**
 * Why a watch was started again: the server closed it (its timeoutSeconds), its resourceVersion
 * expired (410), it failed, or the watchdog found it silent for too long.
 */
export type WatchRestartReason = 'closed' | 'expired' | 'error' | 'watchdog';
/** Why the informer listed again after its first sync. */
export type RelistReason = 'expired' | 'stale';

export interface InformerOptions<T> {
  /** What is watched, for logs and metric labels ("workflowruns", "jobs"). */
  name: string;
  list: ListFn<T>;
  watch: WatchFn<T>;
  clock?: Clock;
  /** Waits between retries; defaults to timers on `clock`. */
  sleep?: Sleep;
  /** Jitter source for backoff and watch timeouts. */
  random?: () => number;
  /** Reconnect backoff; default 800 ms doubling to 30 s, half of it random (as client-go's reflector). */
  backoff?: Partial<BackoffPolicy>;
  /**
   * Reconnect backoff while nothing answers at the API server's address (connection refused: it is
   * restarting). Such attempts cost the server nothing, and a short cap is what lets the cache catch
   * up within seconds of its return. Default 250 ms doubling to 2 s, half of it random.
   */
  unreachableBackoff?: Partial<BackoffPolicy>;
  /**
   * Server-side watch timeout; each watch asks for a random value between this and twice this (as
   * client-go does) so that many informers do not reconnect in step. Default 180 s.
   */
  watchTimeoutSeconds?: number;
  /**
   * Longest silence (no event, not even a bookmark) before the watchdog aborts the watch. Default: the
   * watch's own timeoutSeconds plus `watchdogGraceMs`, so it fires only when the server failed to close
   * the watch when it should have (a half-open TCP connection that nothing noticed).
   */
  watchdogMs?: number;
  /** Default 30 s. */
  watchdogGraceMs?: number;
  /** A watch that lived this long, or delivered an event, counts as healthy and resets the backoff. */
  healthyWatchMs?: number;
  /** A list that takes longer is aborted and retried. Default 60 s. */
  listTimeoutMs?: number;
  /**
   * A watch whose response has not begun this long after it was sent is aborted as an error (lost
   * contact) and retried. A host that takes connections and never answers would otherwise hold a
   * watch, and keep the cache current in name, until the watchdog: minutes. Default: none.
   */
  openTimeoutMs?: number;
  /**
   * Applied to every object before it enters the cache (as client-go's SetTransform), to keep only
   * what the controller reads: dropping metadata.managedFields roughly halves what a cached run or
   * Job holds.
   */
  transform?: (object: T) => T;
  /** When set, every object is handed to the update handlers again this often (old === new). */
  resyncIntervalMs?: number;
  logger?: Logger;
  /** For metrics (watch restarts by reason). */
  onWatchRestart?: (reason: WatchRestartReason) => void;
  /** For metrics (relists). */
  onRelist?: (reason: RelistReason) => void;
  /** The cache is current again after it had gone stale once synced (reconnected, or relisted). */
  onRecover?: () => void;
}

export interface InformerStats {
  name: string;
  hasSynced: boolean;
  watching: boolean;
  resourceVersion: string;
  objects: number;
  watchRestarts: number;
  relists: number;
  consecutiveFailures: number;
  lastActivityAt: number;
  /** Synced, connected to the API server, and no relist pending. */
  current: boolean;
  /** When the cache last went stale, while it still is. */
  staleSince: number | undefined;
  /** Why it last lost contact. */
  lastError: string | undefined;
  /** The HTTP status of that error, when the API server answered with one (403: a watch refused). */
  lastErrorStatus: number | undefined;
}

type AddHandler<T> = (object: T) => void;
type UpdateHandler<T> = (object: T, old: T) => void;
type ChangeHandler<T> = (change: CacheChange<T>) => void;

const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 800, maxMs: 30_000, factor: 2, jitter: 0.5 };
const DEFAULT_UNREACHABLE_BACKOFF: BackoffPolicy = { initialMs: 250, maxMs: 2_000, factor: 2, jitter: 0.5 };
/** Consecutive watches closed at once without an event before the resourceVersion is distrusted. */
const STALE_AFTER_QUICK_CLOSES = 3;

/** The abort reason the informer gives its own watch, so it knows why the watch ended. */
class WatchEnd {
  constructor(
    readonly reason: WatchRestartReason | 'stopped',
    readonly cause?: unknown,
  ) {}
}

interface WatchOutcome {
  reason: WatchRestartReason | 'stopped';
  healthy: boolean;
  cause?: unknown;
}

// client-node's makeInformer stops for good on errors, misses relists after 410 and hangs on silent
// connections (kubernetes-client/javascript#596, #958, #2893); this loop has no exit but stop().
export class Informer<T extends KubernetesObject> {
  readonly name: string;
  private readonly cache = new ObjectCache<T>();
  private readonly clock: Clock;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly backoff: BackoffPolicy;
  private readonly unreachableBackoff: BackoffPolicy;
  private readonly log: Logger;
  private readonly handlers = {
    add: new Set<AddHandler<T>>(),
    update: new Set<UpdateHandler<T>>(),
    delete: new Set<AddHandler<T>>(),
    change: new Set<ChangeHandler<T>>(),
  };
  private readonly stopController = new AbortController();
  private readonly syncWaiters = new Set<(synced: boolean) => void>();
  private loop: Promise<void> | undefined;
  private resyncTimer: TimerHandle | undefined;
  private synced = false;
  private relistReason: RelistReason | undefined;
  private resourceVersion = '';
  private watching = false;
  private watchRestarts = 0;
  private relists = 0;
  private failures = 0;
  /** Consecutive attempts that found nothing listening; counted apart from `failures`. */
  private unreachable = 0;
  private quickCloses = 0;
  private lastActivityAt: number;
  /** The last request reached the API server and the watch (if any) has not failed since. */
  private connected = false;
  /** Went stale after the first sync and has not caught up yet. */
  private staleSince: number | undefined;
  /** Why it last lost contact, and the HTTP status of that error when there was one. */
  private lastFailure: { readonly message: string; readonly status: number | undefined } | undefined;

  constructor(private readonly options: InformerOptions<T>) {
    this.name = options.name;
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? sleepOn(this.clock);
    this.random = options.random ?? Math.random;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.unreachableBackoff = { ...DEFAULT_UNREACHABLE_BACKOFF, ...options.unreachableBackoff };
    this.log = (options.logger ?? silentLogger()).child({ informer: options.name });
    this.lastActivityAt = this.clock.now();
  }

  /** Registers a handler; returns a function that removes it. Handlers run after the cache changed. */
  on(event: 'add' | 'delete', handler: AddHandler<T>): () => void;
  on(event: 'update', handler: UpdateHandler<T>): () => void;
  on(event: 'change', handler: ChangeHandler<T>): () => void;
  on(event: 'add' | 'update' | 'delete' | 'change', handler: unknown): () => void {
    const set = this.handlers[event] as Set<unknown>;
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Starts listing and watching in the background (idempotent). */
  start(): void {
    if (this.loop || this.stopController.signal.aborted) return;
    this.touch();
    this.loop = this.run().catch((error: unknown) => {
      // run() catches every I/O failure itself; reaching this is a bug, and it must not go unseen.
      this.log.error({ err: error }, `The ${this.name} informer stopped because of an unexpected error.`);
    });
    this.scheduleResync();
  }

  /** Stops watching, cancels any wait, and resolves once the loop has ended. */
  async stop(): Promise<void> {
    if (!this.stopController.signal.aborted) this.stopController.abort(new WatchEnd('stopped'));
    if (this.resyncTimer) this.clock.clearTimer(this.resyncTimer);
    for (const waiter of this.syncWaiters) waiter(false);
    this.syncWaiters.clear();
    await this.loop;
  }

  /** True once the first list has been applied to the cache. */
  get hasSynced(): boolean {
    return this.synced;
  }

  /**
   * True when the cache can be trusted as the API server's present: synced, the last request reached
   * the server, no watch failure since, and no relist pending (for /readyz).
   */
  get isCurrent(): boolean {
    return this.synced && this.connected && this.relistReason === undefined;
  }

  /** Why the cache is not current, for probes and logs; undefined when it is. */
  describeStaleness(now = this.clock.now()): string | undefined {
    if (!this.synced) return 'not synced yet';
    if (this.isCurrent) return undefined;
    const since = this.staleSince === undefined ? '' : ` for ${Math.round((now - this.staleSince) / 1000)} s`;
    const why = this.relistReason ? 'listing again' : 'cannot watch';
    return `${why}${since}${this.lastFailure ? ` (${this.lastFailure.message})` : ''}`;
  }

  get isStopped(): boolean {
    return this.stopController.signal.aborted;
  }

  /** Resolves true once synced, false if the informer stops (or `signal` aborts) first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (this.isStopped || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (synced: boolean) => {
        this.syncWaiters.delete(done);
        signal?.removeEventListener('abort', onAbort);
        resolve(synced);
      };
      const onAbort = () => done(false);
      this.syncWaiters.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(keyOf(namespace, name));
  }

  /**
   * Takes in the object one of our writes returned, provided the cache still holds the version that
   * write was based on (else a newer one is here or on its way, and wins). The next reconcile then
   * starts from what was written rather than a copy the API server would refuse as stale (409);
   * handlers hear of it now, and the watch event for the same version later counts as already seen.
   */
  observeWrite(written: T, basedOn: string | undefined): void {
    const cached = this.cache.get(keyOf(written.metadata?.namespace, written.metadata?.name ?? ''));
    if (!cached || basedOn === undefined || cached.metadata?.resourceVersion !== basedOn) return;
    const transform = this.options.transform;
    const change = this.cache.upsert(transform ? transform(written) : written);
    if (change) this.dispatch(change);
  }

  getByKey(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(namespace?: string): T[] {
    return this.cache.list(namespace);
  }

  keys(): string[] {
    return this.cache.keys();
  }

  stats(): InformerStats {
    return {
      name: this.name,
      hasSynced: this.synced,
      watching: this.watching,
      resourceVersion: this.resourceVersion,
      objects: this.cache.size,
      watchRestarts: this.watchRestarts,
      relists: this.relists,
      consecutiveFailures: this.failures,
      lastActivityAt: this.lastActivityAt,
      current: this.isCurrent,
      staleSince: this.staleSince,
      lastError: this.lastFailure?.message,
      lastErrorStatus: this.lastFailure?.status,
    };
  }

  /**
   * True when the loop has shown no sign of life for far longer than any wait it can be in (a
   * silent watch is bounded by the watchdog, a list by its timeout, a retry by the backoff cap): for
   * /healthz, where restarting the process is the only cure left.
   */
  isWedged(now = this.clock.now()): boolean {
    if (!this.loop || this.isStopped) return false;
    const longestWait = Math.max(
      this.options.watchdogMs ?? 2 * this.watchTimeoutBase() * 1000 + this.watchdogGrace(),
      this.options.listTimeoutMs ?? 60_000,
      this.backoff.maxMs,
    );
    return now - this.lastActivityAt > 2 * longestWait;
  }

  private watchTimeoutBase(): number {
    return this.options.watchTimeoutSeconds ?? 180;
  }

  private watchdogGrace(): number {
    return this.options.watchdogGraceMs ?? 30_000;
  }

  private touch(): void {
    this.lastActivityAt = this.clock.now();
  }

  private get stopping(): boolean {
    return this.stopController.signal.aborted;
  }

  private async run(): Promise<void> {
    /** The next watch starts from the version a list just returned (not one carried over). */
    let fromList = false;
    while (!this.stopping) {
      this.touch();
      if (!this.synced || this.relistReason) {
        try {
          await this.listAndReplace();
          fromList = true;
        } catch (error) {
          if (this.stopping) break;
          this.lostContact(error);
          const delayMs = this.retryDelay(error);
          this.log.warn(
            { err: error, attempt: this.failures + this.unreachable, delayMs },
            `Listing ${this.name} failed; trying again in ${delayMs} ms.`,
          );
          await this.sleep(delayMs, this.stopController.signal);
          continue;
        }
      }

      const watchedFromList = fromList;
      fromList = false;
      const outcome = await this.watchOnce();
      const reason = outcome.reason;
      if (reason === 'stopped') break;
      this.watchRestarts++;
      this.notify(() => this.options.onWatchRestart?.(reason));
      if (outcome.healthy) this.failures = 0;
      this.quickCloses = outcome.reason === 'closed' && !outcome.healthy ? this.quickCloses + 1 : 0;
      // A clean close is the server's timeoutSeconds: the next watch resumes where this one ended.
      if (reason !== 'closed') this.lostContact(outcome.cause);

      if (outcome.reason === 'expired') {
        this.needRelist('expired');
        this.log.info(
          { resourceVersion: this.resourceVersion, detail: messageOf(outcome.cause) },
          `The ${this.name} watch fell behind what the API server keeps (410 Gone); listing again.`,
        );
      } else if (this.quickCloses >= STALE_AFTER_QUICK_CLOSES) {
        // A server that keeps closing the watch at once without an event (kubernetes/kubernetes#104171
        // for a stale resourceVersion) would otherwise be retried from the same version forever.
        this.needRelist('stale');
        this.quickCloses = 0;
      }
      // A healthy watch that simply ended resumes at once, and so does a 410 on a watch that resumed a
      // version from before a disconnect (the API server restarted, or compacted meanwhile): the
      // relist is what catches up, and waiting out the backoff built up during an outage only keeps
      // the cache stale. Everything else waits, so that no failure mode (not even an immediate 410
      // after every list) can turn into a hot loop on the API server (kubernetes-client/javascript#1933).
      if (outcome.healthy && (outcome.reason === 'closed' || outcome.reason === 'expired')) continue;
      if (outcome.reason === 'expired' && !watchedFromList) continue;
      const delayMs = this.retryDelay(outcome.cause);
      if (outcome.reason !== 'closed' || this.failures > 1) {
        this.log.warn(
          { reason: outcome.reason, err: outcome.cause, attempt: this.failures + this.unreachable, delayMs },
          `The ${this.name} watch ended (${outcome.reason}); watching again in ${delayMs} ms.`,
        );
      }
      await this.sleep(delayMs, this.stopController.signal);
    }
  }

  /**
   * The wait before the next attempt. Nothing listening at the server's address counts apart from
   * other failures, with its own short cap: an outage must not leave a long wait behind it once the
   * server is back, while HTTP errors (an overloaded or refusing server) back off fully.
   */
  private retryDelay(cause: unknown): number {
    if (isUnreachable(cause)) {
      this.unreachable++;
      return backoffDelay(this.unreachable, this.unreachableBackoff, this.random);
    }
    this.unreachable = 0;
    this.failures++;
    return backoffDelay(this.failures, this.backoff, this.random);
  }

  /** The API server answered: reconnect attempts start afresh, and the cache may be current again. */
  private reachedServer(): void {
    this.unreachable = 0;
    this.connected = true;
    this.caughtUpMaybe();
  }

  private lostContact(cause: unknown): void {
    this.connected = false;
    if (cause !== undefined)
      this.lastFailure = { message: messageOf(cause) ?? String(cause), status: statusCodeOf(cause) };
    if (this.synced) this.staleSince ??= this.clock.now();
  }

  private needRelist(reason: RelistReason): void {
    this.relistReason = reason;
    if (this.synced) this.staleSince ??= this.clock.now();
  }

  private caughtUpMaybe(): void {
    if (this.staleSince === undefined || !this.isCurrent) return;
    const staleMs = this.clock.now() - this.staleSince;
    this.staleSince = undefined;
    this.lastFailure = undefined;
    this.log.info({ staleMs }, `The ${this.name} cache is current again after ${staleMs} ms.`);
    this.notify(() => this.options.onRecover?.());
  }

  private async listAndReplace(): Promise<void> {
    const relistReason = this.synced ? (this.relistReason ?? 'expired') : undefined;
    const listTimeoutMs = this.options.listTimeoutMs ?? 60_000;
    const transform = this.options.transform;
    const result = await withDeadline((signal) => this.options.list({ signal, each: transform }), {
      ms: listTimeoutMs,
      clock: this.clock,
      what: `listing ${this.name}`,
      signal: this.stopController.signal,
    });
    if (this.stopping) return;
    this.touch();
    const changes = this.cache.replace(result.items);
    this.resourceVersion = result.resourceVersion;
    this.relistReason = undefined;
    this.quickCloses = 0;
    // A complete list is the surest sign the server is back: later failures back off from the start.
    this.failures = 0;
    for (const change of changes) this.dispatch(change);
    if (relistReason) {
      this.relists++;
      this.notify(() => this.options.onRelist?.(relistReason));
      this.log.info(
        { objects: result.items.length, changes: changes.length, resourceVersion: this.resourceVersion },
        `Listed ${this.name} again (${relistReason}).`,
      );
    } else {
      this.log.debug(
        { objects: result.items.length, resourceVersion: this.resourceVersion },
        `Listed ${this.name}.`,
      );
    }
    if (!this.synced) {
      this.synced = true;
      for (const waiter of this.syncWaiters) waiter(true);
      this.syncWaiters.clear();
    }
    this.reachedServer();
  }

  private async watchOnce(): Promise<WatchOutcome> {
    // stop() may have come while the list was finishing; its abort event has fired already.
    if (this.stopping) return { reason: 'stopped', healthy: false };
    const controller = new AbortController();
    const onStop = () => controller.abort(new WatchEnd('stopped'));
    this.stopController.signal.addEventListener('abort', onStop, { once: true });
    const timeoutSeconds = Math.floor(this.watchTimeoutBase() * (1 + this.random()));
    const silenceMs = this.options.watchdogMs ?? timeoutSeconds * 1000 + this.watchdogGrace();
    const bark = () =>
      controller.abort(new WatchEnd('watchdog', new Error(`no event for ${silenceMs} ms (watchdog)`)));
    let watchdog = this.clock.setTimer(bark, silenceMs);
    const openTimeoutMs = this.options.openTimeoutMs;
    let unanswered =
      openTimeoutMs === undefined
        ? undefined
        : this.clock.setTimer(
            () =>
              controller.abort(
                new WatchEnd('error', new Error(`no answer within ${openTimeoutMs / 1000} s`)),
              ),
            openTimeoutMs,
          );
    const answered = () => {
      if (unanswered === undefined) return;
      this.clock.clearTimer(unanswered);
      unanswered = undefined;
    };
    const startedAt = this.clock.now();
    let delivered = 0;

    const onEvent = (event: WatchEvent<T>) => {
      if (controller.signal.aborted) return;
      answered();
      this.clock.clearTimer(watchdog);
      watchdog = this.clock.setTimer(bark, silenceMs);
      this.touch();
      if (!this.connected && event.type !== 'ERROR') this.reachedServer();
      const end = this.apply(event);
      if (end) controller.abort(end);
      else delivered++;
    };

    this.watching = true;
    let failure: unknown;
    try {
      const watching = this.options.watch({
        resourceVersion: this.resourceVersion,
        timeoutSeconds,
        allowWatchBookmarks: true,
        signal: controller.signal,
        onEvent,
        onOpen: () => {
          if (controller.signal.aborted) return;
          answered();
          this.reachedServer();
        },
      });
      await raceAbort(watching, controller.signal);
    } catch (error) {
      failure = error;
    } finally {
      this.watching = false;
      answered();
      this.clock.clearTimer(watchdog);
      this.stopController.signal.removeEventListener('abort', onStop);
    }
    this.touch();
    const healthy = delivered > 0 || this.clock.now() - startedAt >= (this.options.healthyWatchMs ?? 30_000);
    // Our own abort reason comes first: after an abort the watch rejects with a generic AbortError.
    const ended: unknown = controller.signal.aborted ? controller.signal.reason : undefined;
    if (ended instanceof WatchEnd) return { reason: ended.reason, healthy, cause: ended.cause };
    if (failure !== undefined)
      return { reason: isGone(failure) ? 'expired' : 'error', healthy, cause: failure };
    return { reason: 'closed', healthy };
  }

  /** Applies one event to the cache and handlers; returns a WatchEnd when the event ends the watch. */
  private apply(event: WatchEvent<T>): WatchEnd | undefined {
    switch (event.type) {
      case 'ERROR': {
        const status = event.object;
        const error = KubeApiError.fromStatus(status, 500, `watch ${this.name}`);
        return new WatchEnd(error.statusCode === 410 ? 'expired' : 'error', error);
      }
      case 'BOOKMARK':
        break;
      case 'ADDED':
      case 'MODIFIED': {
        const transform = this.options.transform;
        const change = this.cache.upsert(transform ? transform(event.object) : event.object);
        if (change) this.dispatch(change);
        break;
      }
      case 'DELETED': {
        const change = this.cache.remove(event.object);
        if (change) this.dispatch(change);
        break;
      }
      default:
        this.log.debug(
          { type: (event as { type: unknown }).type },
          'Ignoring a watch event of unknown type.',
        );
        return undefined;
    }
    const version = event.object.metadata?.resourceVersion;
    if (version) this.resourceVersion = version;
    return undefined;
  }

  private dispatch(change: CacheChange<T>): void {
    for (const handler of this.handlers.change) this.notify(() => handler(change));
    switch (change.type) {
      case 'added':
        for (const handler of this.handlers.add) this.notify(() => handler(change.object));
        break;
      case 'updated':
        for (const handler of this.handlers.update) this.notify(() => handler(change.object, change.old));
        break;
      case 'deleted':
        for (const handler of this.handlers.delete) this.notify(() => handler(change.object));
        break;
    }
  }

  /** A throwing handler must not stop the informer or hide the events after it. */
  private notify(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.log.error({ err: error }, `A ${this.name} informer handler threw; the informer carries on.`);
    }
  }

  private scheduleResync(): void {
    const interval = this.options.resyncIntervalMs;
    if (!interval || interval <= 0 || this.stopping) return;
    this.resyncTimer = this.clock.setTimer(() => {
      if (this.stopping) return;
      if (this.synced) {
        for (const object of this.cache.list()) {
          for (const handler of this.handlers.update) this.notify(() => handler(object, object));
        }
      }
      this.scheduleResync();
    }, interval);
  }
}

function messageOf(error: unknown): string | undefined {
  return error instanceof Error ? error.message : undefined;
}

/** An informer over the real API server for `selector`, e.g. `{ path: '/apis/batch/v1/jobs', labelSelector }`. */
export function createInformer<T extends KubernetesObject>(
  kc: KubeConfig,
  selector: ResourceSelector,
  options: Omit<InformerOptions<T>, 'list' | 'watch' | 'name'> & { name?: string } = {},
): Informer<T> {
  const { list, watch } = createKubeListWatch<T>(kc, selector);
  const name = options.name ?? describeSelector(selector);
  return new Informer<T>({ ...options, name, list, watch });
}

function describeSelector(selector: ResourceSelector): string {
  const resource = selector.path.split('/').pop() ?? selector.path;
  return selector.namespace ? `${selector.namespace}/${resource}` : resource;
}
