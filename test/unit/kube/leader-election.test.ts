// Leader election on an in-memory Lease with the API server's optimistic concurrency (a write with a
// stale resourceVersion is a 409) and a fake clock: acquire, renew, standby, takeover, release.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeApiError } from '../../../src/kube/api-error.ts';
import { LeaderElector, type LeaderElectorOptions } from '../../../src/kube/leader-election.ts';
import type { LeaseRecord, LeaseStore, StoredLease } from '../../../src/kube/lease-store.ts';
import { FakeClock, settle } from './support/fake-clock.ts';

/** One Lease shared by several electors, each seeing it through its own (possibly cut off) client. */
class MemoryLease {
  current: StoredLease | undefined;
  private version = 0;
  readonly unreachable = new Set<string>();
  /** While set, updates wait here until the test lets them through (a slow API server). */
  held: (() => void)[] | undefined;

  clientFor(who: string): LeaseStore {
    const reachable = () => {
      if (this.unreachable.has(who))
        throw Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' });
    };
    return {
      description: 'conveyor-system/conveyor-controller',
      get: async () => {
        reachable();
        return this.current && copy(this.current);
      },
      create: async (record) => {
        reachable();
        if (this.current)
          throw new KubeApiError(409, 'leases "conveyor-controller" already exists', 'AlreadyExists');
        return this.write(record);
      },
      update: async (record, resourceVersion) => {
        if (this.held) await new Promise<void>((resolve) => this.held!.push(resolve));
        reachable();
        if (!this.current) throw new KubeApiError(404, 'leases "conveyor-controller" not found', 'NotFound');
        if (this.current.resourceVersion !== resourceVersion) {
          throw new KubeApiError(
            409,
            'the object has been modified; please apply your changes to the latest version',
            'Conflict',
          );
        }
        return this.write(record);
      },
    };
  }

  /** A write by someone outside the test's electors (kubectl, another controller). */
  write(record: LeaseRecord): StoredLease {
    this.current = { record: { ...record }, resourceVersion: String(++this.version) };
    return copy(this.current);
  }

  get holder(): string | undefined {
    return this.current?.record.holderIdentity;
  }
}

function copy(lease: StoredLease): StoredLease {
  return { resourceVersion: lease.resourceVersion, record: { ...lease.record } };
}

function setup() {
  const clock = new FakeClock();
  const lease = new MemoryLease();
  const log: string[] = [];
  const electors: LeaderElector[] = [];
  const elector = (identity: string, options: Partial<LeaderElectorOptions> = {}) => {
    const e = new LeaderElector({
      store: lease.clientFor(identity),
      identity,
      clock,
      random: () => 0.5,
      onStartedLeading: () => void log.push(`${identity} started (holder ${lease.holder})`),
      onStoppedLeading: () => void log.push(`${identity} stopped (holder ${lease.holder})`),
      ...options,
    });
    electors.push(e);
    return e;
  };
  const stopAll = () => Promise.all(electors.map((e) => e.stop()));
  return { clock, lease, log, elector, stopAll };
}

describe('leader election', () => {
  it('acquires a free lease and renews it every retry period', async () => {
    const { clock, lease, log, elector, stopAll } = setup();
    const a = elector('a');
    a.start();
    await settle();
    assert.equal(a.isLeader(), true);
    assert.deepEqual(log, ['a started (holder a)']);
    const acquired = lease.current!;
    assert.equal(acquired.record.holderIdentity, 'a');
    assert.equal(acquired.record.leaseDurationSeconds, 15);
    assert.equal(acquired.record.leaseTransitions, 0);

    await clock.advance(2_000);
    const renewed = lease.current!;
    assert.notEqual(renewed.resourceVersion, acquired.resourceVersion);
    assert.equal(renewed.record.renewTime?.getTime(), clock.now());
    assert.equal(renewed.record.acquireTime?.getTime(), acquired.record.acquireTime?.getTime());
    assert.equal(renewed.record.leaseTransitions, 0);
    await stopAll();
  });

  it('keeps a second elector on standby while the leader renews, ready to take over', async () => {
    const { clock, elector, stopAll } = setup();
    const leaders: string[] = [];
    const a = elector('a');
    a.start();
    await settle();
    const b = elector('b', { onNewLeader: (who) => leaders.push(who) });
    b.start();
    await clock.advance(60_000);
    assert.equal(a.isLeader(), true);
    assert.equal(b.isLeader(), false);
    assert.equal(b.isReady(), true);
    assert.equal(b.status().leader, 'a');
    assert.deepEqual(leaders, ['a']);
    await stopAll();
  });

  it('takes over within about 15 s when the leader dies, and never has two leaders at once', async () => {
    const { clock, lease, elector, stopAll } = setup();
    const a = elector('a');
    const b = elector('b');
    a.start();
    await settle();
    b.start();
    await clock.advance(10_000);
    const lastRenewal = lease.current!.record.renewTime!.getTime();
    const died = clock.now();
    lease.unreachable.add('a');

    let aSteppedDownAt: number | undefined;
    let bLeadingAt: number | undefined;
    for (let t = 0; t < 30_000; t += 100) {
      await clock.advance(100);
      assert.ok(!(a.isLeader() && b.isLeader()), `two leaders at ${clock.now() - died} ms`);
      if (!a.isLeader()) aSteppedDownAt ??= clock.now();
      if (b.isLeader()) bLeadingAt ??= clock.now();
    }
    assert.ok(aSteppedDownAt !== undefined && bLeadingAt !== undefined);
    // The leader gives up within renewDeadline (10 s, checked every 2 s retry) of its last renewal...
    assert.ok(
      aSteppedDownAt - lastRenewal <= 12_000,
      `stepped down after ${aSteppedDownAt - lastRenewal} ms`,
    );
    // ...well before the lease (15 s from when b saw the last renewal) lets b in.
    assert.ok(bLeadingAt - lastRenewal >= 15_000, `took over after ${bLeadingAt - lastRenewal} ms`);
    assert.ok(bLeadingAt - died <= 20_000, `took over ${bLeadingAt - died} ms after the leader died`);
    assert.equal(lease.current!.record.holderIdentity, 'b');
    assert.equal(lease.current!.record.leaseTransitions, 1);

    // Back on the network, the old leader finds the lease taken and waits.
    lease.unreachable.delete('a');
    await clock.advance(10_000);
    assert.equal(a.isLeader(), false);
    assert.equal(b.isLeader(), true);
    await stopAll();
  });

  it('on stop, stops acting first, then releases the lease so that a standby takes over at once', async () => {
    const { clock, lease, log, elector, stopAll } = setup();
    const a = elector('a');
    const b = elector('b');
    a.start();
    await settle();
    b.start();
    await clock.advance(5_000);

    await a.stop();
    assert.deepEqual(log, ['a started (holder a)', 'a stopped (holder a)']);
    assert.equal(lease.current!.record.holderIdentity, '');
    assert.equal(lease.current!.record.leaseDurationSeconds, 1);

    const released = clock.now();
    while (!b.isLeader()) await clock.advance(100);
    assert.ok(clock.now() - released <= 2_200, `took over ${clock.now() - released} ms after the release`);
    assert.equal(lease.holder, 'b');
    await stopAll();
  });

  it('still releases the lease when stopped while a renewal is in flight', async () => {
    const { clock, lease, elector } = setup();
    const a = elector('a');
    a.start();
    await settle();
    lease.held = [];
    await clock.advance(2_000);
    assert.equal(lease.held.length, 1, 'a renewal is waiting for the API server');
    const stopped = a.stop();
    const waiting = lease.held;
    lease.held = undefined;
    for (const letThrough of waiting) letThrough();
    await stopped;
    // The renewal landed after stop() and moved the resourceVersion; the release must not trip on it.
    assert.equal(lease.holder, '');
    assert.equal(lease.current!.record.leaseDurationSeconds, 1);
  });

  it('lets only one of two electors that start together win the race to create the lease', async () => {
    const { clock, lease, elector, stopAll } = setup();
    const a = elector('a');
    const b = elector('b');
    a.start();
    b.start();
    await settle();
    await clock.advance(10_000);
    assert.equal(Number(a.isLeader()) + Number(b.isLeader()), 1);
    assert.equal(lease.holder, a.isLeader() ? 'a' : 'b');
    await stopAll();
  });

  it('steps down at once when it finds someone else holding the lease', async () => {
    const { clock, lease, log, elector, stopAll } = setup();
    const a = elector('a');
    a.start();
    await settle();
    lease.write({ ...lease.current!.record, holderIdentity: 'intruder', leaseTransitions: 1 });
    await clock.advance(2_000);
    assert.equal(a.isLeader(), false);
    assert.deepEqual(log, ['a started (holder a)', 'a stopped (holder intruder)']);
    await stopAll();
  });

  it('refuses a renew deadline that is not shorter than the lease', () => {
    const { elector } = setup();
    assert.throws(
      () => elector('a', { leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }),
      /renewDeadlineMs/,
    );
  });
});
