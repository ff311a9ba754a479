// The standard probes of the controller, built from the runtime's own state: informers current (ready)
// and not wedged (alive), leader election leading or able to take over (ready) and renewing (alive).
import type { HealthCheck } from './http-server.ts';

interface CacheState {
  readonly name: string;
  readonly isCurrent: boolean;
  describeStaleness(): string | undefined;
}

interface WedgeSource {
  readonly name: string;
  isWedged(): boolean;
}

interface Elector {
  isReady(): boolean;
  isRenewalOverdue(): boolean;
  isLeader(): boolean;
}

/**
 * Readiness: every cache is current: synced, in touch with the API server, no relist pending. A
 * controller acting on stale caches, or cut off from the API server, is not ready; it is still alive
 * (liveness is about the process: restarting it would not bring the API server back).
 */
export function informersCurrentCheck(informers: readonly CacheState[]): HealthCheck {
  return {
    name: 'informers-current',
    check: () => {
      const stale = informers.filter((i) => !i.isCurrent).map((i) => `${i.name}: ${i.describeStaleness()}`);
      return stale.length === 0 ? true : { ok: false, message: stale.join('; ') };
    },
  };
}

/** Liveness: no informer loop has been stuck far beyond its longest legitimate wait. */
export function informersLiveCheck(informers: readonly WedgeSource[]): HealthCheck {
  return {
    name: 'informers-live',
    check: () => {
      const wedged = informers.filter((i) => i.isWedged()).map((i) => i.name);
      return wedged.length === 0 ? true : { ok: false, message: `wedged: ${wedged.join(', ')}` };
    },
  };
}

/** Readiness with leader election: leading, or a standby in touch with the API server. */
export function leaderReadyCheck(elector: Elector): HealthCheck {
  return {
    name: 'leader-election',
    check: () =>
      elector.isReady()
        ? { ok: true, message: elector.isLeader() ? 'leading' : 'standby' }
        : { ok: false, message: 'cannot read the lease' },
  };
}

/** Liveness with leader election: a leader that stopped renewing is stuck (client-go's HealthzAdaptor). */
export function leaderLiveCheck(elector: Elector): HealthCheck {
  return {
    name: 'leader-election',
    check: () => (elector.isRenewalOverdue() ? { ok: false, message: 'lease renewal overdue' } : true),
  };
}
