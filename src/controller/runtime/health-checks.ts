// The standard probes of the controller, built from the runtime's own state: informers synced (ready)
// and not wedged (alive), leader election leading or able to take over (ready) and renewing (alive).
import type { HealthCheck } from './http-server.ts';

interface SyncedSource {
  readonly name: string;
  readonly hasSynced: boolean;
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

/** Readiness: every informer has applied its first list (the caches can be trusted). */
export function informersSyncedCheck(informers: readonly SyncedSource[]): HealthCheck {
  return {
    name: 'informers-synced',
    check: () => {
      const waiting = informers.filter((i) => !i.hasSynced).map((i) => i.name);
      return waiting.length === 0 ? true : { ok: false, message: `not synced yet: ${waiting.join(', ')}` };
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
