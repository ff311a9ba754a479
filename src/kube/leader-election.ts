// Lease-based leader election with client-go's rules: acquire a free or expired Lease, renew every
// retryPeriod, step down when renewals fail for renewDeadline, release the Lease on shutdown.
import { hostname } from 'node:os';
import { silentLogger, type Logger } from '../observability/logger.ts';
import { isConflict } from './api-error.ts';
import { sleepOn, systemClock, withDeadline, type Clock, type Sleep } from './clock.ts';
import type { LeaseRecord, LeaseStore, StoredLease } from './lease-store.ts';

export interface LeaderElectorOptions {
  store: LeaseStore;
  /** Unique per process; default `<POD_NAME or hostname>_<pid>`. */
  identity?: string;
  /** How long a lease stays valid without renewal: a dead leader is replaced after about this. */
  leaseDurationMs?: number;
  /** A leader that could not renew for this long stops leading (must be below leaseDurationMs). */
  renewDeadlineMs?: number;
  /** Time between renewals, and between attempts to acquire. */
  retryPeriodMs?: number;
  clock?: Clock;
  sleep?: Sleep;
  random?: () => number;
  logger?: Logger;
  /** Called when this process becomes leader (not awaited: renewals go on meanwhile). */
  onStartedLeading?: () => void | Promise<void>;
  /** Called when leadership ends (lost, or on stop before the lease is released; awaited). */
  onStoppedLeading?: () => void | Promise<void>;
  /** Called when a different holder is observed, including this process. */
  onNewLeader?: (identity: string) => void;
}

export interface LeaderElectionStatus {
  identity: string;
  leading: boolean;
  /** The holder last observed (undefined before the first read or when the lease is free). */
  leader: string | undefined;
  /** Last successful round trip to the API server. */
  lastContactAt: number | undefined;
  lastRenewAt: number | undefined;
}

/** Jitter added to the wait between acquire attempts, so standbys do not poll in step. */
const ACQUIRE_JITTER = 0.2;

export function defaultIdentity(): string {
  return `${process.env.POD_NAME || hostname()}_${process.pid}`;
}

type Attempt = 'acquired' | 'held' | 'conflict' | 'failed';

// Expiry is judged by when *we* saw the record change, never by the timestamps in it, so clock skew
// between replicas cannot make two leaders (kubernetes/client-go#448).
export class LeaderElector {
  readonly identity: string;
  private readonly store: LeaseStore;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly clock: Clock;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly log: Logger;
  private readonly stopController = new AbortController();
  private loop: Promise<void> | undefined;
  private leading = false;
  private observed: StoredLease | undefined;
  private observedAt = 0;
  private lastContactAt: number | undefined;
  private lastRenewAt: number | undefined;

  constructor(private readonly options: LeaderElectorOptions) {
    this.store = options.store;
    this.identity = options.identity ?? defaultIdentity();
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (this.renewDeadlineMs >= this.leaseDurationMs) {
      throw new Error('leader election: renewDeadlineMs must be shorter than leaseDurationMs');
    }
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? sleepOn(this.clock);
    this.random = options.random ?? Math.random;
    this.log = (options.logger ?? silentLogger()).child({
      lease: this.store.description,
      identity: this.identity,
    });
  }

  start(): void {
    if (this.loop || this.stopping) return;
    this.loop = this.run().catch((error: unknown) => {
      this.log.error({ err: error }, 'Leader election stopped because of an unexpected error.');
    });
  }

  /**
   * Stops campaigning. A leader first runs onStoppedLeading (so it stops acting), then releases the
   * Lease (empty holder, 1 s duration) so that a standby takes over without waiting for expiry.
   */
  async stop(): Promise<void> {
    if (!this.stopping) this.stopController.abort();
    await this.loop;
  }

  isLeader(): boolean {
    return this.leading;
  }

  status(): LeaderElectionStatus {
    return {
      identity: this.identity,
      leading: this.leading,
      leader: this.observed?.record.holderIdentity || undefined,
      lastContactAt: this.lastContactAt,
      lastRenewAt: this.lastRenewAt,
    };
  }

  /** Ready to lead: leading, or a standby that recently read the Lease (so it could take over). */
  isReady(now = this.clock.now()): boolean {
    if (this.leading) return true;
    const window = Math.max(2 * this.leaseDurationMs, 3 * this.retryPeriodMs);
    return this.lastContactAt !== undefined && now - this.lastContactAt <= window;
  }

  /** A leader whose last renewal is older than the lease itself is wedged: for /healthz. */
  isRenewalOverdue(now = this.clock.now()): boolean {
    return this.leading && this.lastRenewAt !== undefined && now - this.lastRenewAt > this.leaseDurationMs;
  }

  private get stopping(): boolean {
    return this.stopController.signal.aborted;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const attempt = await this.tryAcquireOrRenew(this.renewDeadlineMs);
      if (this.stopping) {
        // Won just as stop() came: hand the lease straight back rather than leave it to expire.
        if (attempt === 'acquired') await this.release();
        break;
      }
      if (attempt !== 'acquired') {
        await this.sleep(
          this.retryPeriodMs * (1 + ACQUIRE_JITTER * this.random()),
          this.stopController.signal,
        );
        continue;
      }
      this.leading = true;
      this.log.info('Became the leader.');
      this.callStarted();
      await this.renewWhileLeading();
      if (!this.stopping) {
        this.leading = false;
        await this.callStopped();
      }
    }
    if (this.leading) {
      this.leading = false;
      await this.callStopped();
      await this.release();
    }
  }

  /** Renews every retryPeriod; returns when stopping or when leadership is lost. */
  private async renewWhileLeading(): Promise<void> {
    for (;;) {
      await this.sleep(this.retryPeriodMs, this.stopController.signal);
      if (this.stopping) return;
      // The renewal must finish before the deadline, or we could still act after a successor started.
      const remaining = (this.lastRenewAt ?? this.clock.now()) + this.renewDeadlineMs - this.clock.now();
      const attempt = await this.tryAcquireOrRenew(Math.max(1, remaining));
      if (this.stopping) return;
      if (attempt === 'acquired') continue;
      const sinceRenew = this.clock.now() - (this.lastRenewAt ?? 0);
      if (attempt === 'held') {
        this.log.warn({ holder: this.observed?.record.holderIdentity }, 'Lost the lease to another holder.');
        return;
      }
      if (sinceRenew >= this.renewDeadlineMs) {
        this.log.warn(
          { sinceRenewMs: sinceRenew },
          `Could not renew the lease for ${sinceRenew} ms (deadline ${this.renewDeadlineMs} ms); no longer leading.`,
        );
        return;
      }
    }
  }

  private async tryAcquireOrRenew(deadlineMs: number): Promise<Attempt> {
    try {
      // Not cut short by stop(): a write still in flight would change the Lease's resourceVersion
      // under the release that follows, and the release would then fail with a conflict.
      return await withDeadline(() => this.acquireOrRenew(), {
        ms: deadlineMs,
        clock: this.clock,
        what: `acquiring or renewing lease ${this.store.description}`,
      });
    } catch (error) {
      if (this.stopping) return 'failed';
      if (isConflict(error)) return 'conflict';
      this.log.warn({ err: error }, `Reading or writing lease ${this.store.description} failed.`);
      return 'failed';
    }
  }

  private async acquireOrRenew(): Promise<Attempt> {
    const now = this.clock.now();
    const current = await this.store.get();
    this.lastContactAt = this.clock.now();
    if (!current) {
      const created = await this.store.create(this.recordFor(undefined, now));
      this.renewed(created);
      return 'acquired';
    }
    this.observe(current);
    const record = current.record;
    const heldByOther = record.holderIdentity !== '' && record.holderIdentity !== this.identity;
    // The holder's own lease duration decides, measured from when we saw the record change.
    if (heldByOther && this.observedAt + record.leaseDurationSeconds * 1000 > this.clock.now()) return 'held';
    const updated = await this.store.update(this.recordFor(record, now), current.resourceVersion);
    this.renewed(updated);
    return 'acquired';
  }

  private recordFor(previous: LeaseRecord | undefined, now: number): LeaseRecord {
    const ours = previous?.holderIdentity === this.identity;
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      acquireTime: ours ? (previous.acquireTime ?? new Date(now)) : new Date(now),
      renewTime: new Date(now),
      leaseTransitions: !previous ? 0 : ours ? previous.leaseTransitions : previous.leaseTransitions + 1,
    };
  }

  private renewed(lease: StoredLease): void {
    this.observe(lease);
    const now = this.clock.now();
    this.lastContactAt = now;
    this.lastRenewAt = now;
  }

  private observe(lease: StoredLease): void {
    const previous = this.observed?.record;
    if (!previous || !sameRecord(previous, lease.record)) this.observedAt = this.clock.now();
    if (lease.record.holderIdentity && lease.record.holderIdentity !== previous?.holderIdentity) {
      try {
        this.options.onNewLeader?.(lease.record.holderIdentity);
      } catch (error) {
        this.log.error({ err: error }, 'The onNewLeader callback threw.');
      }
    }
    this.observed = lease;
  }

  private async release(): Promise<void> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      const observed = this.observed;
      if (!observed || observed.record.holderIdentity !== this.identity) return;
      const now = new Date(this.clock.now());
      const record: LeaseRecord = {
        holderIdentity: '',
        leaseDurationSeconds: 1,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: observed.record.leaseTransitions,
      };
      try {
        await withDeadline(() => this.store.update(record, observed.resourceVersion), {
          ms: this.renewDeadlineMs,
          clock: this.clock,
          what: `releasing lease ${this.store.description}`,
        });
        this.log.info('Released the lease.');
        return;
      } catch (error) {
        if (!isConflict(error)) {
          this.log.warn({ err: error }, 'Releasing the lease failed; it will expire instead.');
          return;
        }
      }
      // Conflict: a renewal landed after the version we hold. Read again; release if still ours.
      try {
        const current = await withDeadline(() => this.store.get(), {
          ms: this.renewDeadlineMs,
          clock: this.clock,
          what: `reading lease ${this.store.description}`,
        });
        if (!current) return;
        this.observe(current);
      } catch (error) {
        this.log.warn({ err: error }, 'Releasing the lease failed; it will expire instead.');
        return;
      }
    }
  }

  private callStarted(): void {
    try {
      void Promise.resolve(this.options.onStartedLeading?.()).catch((error: unknown) =>
        this.log.error({ err: error }, 'The onStartedLeading callback failed.'),
      );
    } catch (error) {
      this.log.error({ err: error }, 'The onStartedLeading callback threw.');
    }
  }

  private async callStopped(): Promise<void> {
    this.log.info('Stopped leading.');
    try {
      await this.options.onStoppedLeading?.();
    } catch (error) {
      this.log.error({ err: error }, 'The onStoppedLeading callback failed.');
    }
  }
}

function sameRecord(a: LeaseRecord, b: LeaseRecord): boolean {
  return (
    a.holderIdentity === b.holderIdentity &&
    a.leaseDurationSeconds === b.leaseDurationSeconds &&
    a.leaseTransitions === b.leaseTransitions &&
    a.renewTime?.getTime() === b.renewTime?.getTime() &&
    a.acquireTime?.getTime() === b.acquireTime?.getTime()
  );
}
