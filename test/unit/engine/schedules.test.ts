// Schedules: which fire time starts a run, once, whatever the timing of reconciles and restarts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decideSchedule } from '../../../src/engine/schedules.ts';
import type { ScheduleMemory, ScheduledRun } from '../../../src/engine/schedules.ts';
import type { Schedule } from '../../../src/spec/model.ts';

const T0 = Date.parse('2026-11-29T00:00:00Z');
const MIN = 60_000;

function schedule(overrides: Partial<Schedule> = {}): Schedule {
  return {
    name: 'nightly',
    cron: '*/10 * * * *',
    parameters: {},
    concurrencyPolicy: 'Forbid',
    suspend: false,
    source: { path: 'schedules[0]' },
    fieldSources: {},
    ...overrides,
  };
}

describe('decideSchedule', () => {
  it('only remembers when it first saw a schedule, and publishes the next fire times', () => {
    const d = decideSchedule(schedule(), undefined, [], T0 + 5 * MIN);
    assert.equal(d.fire, undefined);
    assert.deepEqual(d.memory, { since: T0 + 5 * MIN });
    assert.deepEqual(d.nextTimes, [T0 + 10 * MIN, T0 + 20 * MIN, T0 + 30 * MIN]);
    assert.equal(d.wakeAt, T0 + 10 * MIN);
  });

  it('fires a due fire time once, then waits for the next', () => {
    const first = decideSchedule(schedule(), { since: T0 + MIN }, [], T0 + 10 * MIN);
    assert.equal(first.fire, T0 + 10 * MIN);
    assert.equal(first.memory.lastScheduleTime, T0 + 10 * MIN);
    const again = decideSchedule(schedule(), first.memory, [], T0 + 10 * MIN + 500);
    assert.equal(again.fire, undefined);
    assert.deepEqual(again.memory, first.memory);
  });

  it('runs once, for the latest missed fire time, after downtime', () => {
    const d = decideSchedule(schedule(), { since: T0, lastScheduleTime: T0 }, [], T0 + 95 * MIN);
    assert.equal(d.fire, T0 + 90 * MIN);
    const later = decideSchedule(schedule(), d.memory, [], T0 + 96 * MIN);
    assert.equal(later.fire, undefined);
  });

  it('skips a fire time missed by more than the starting deadline, and says so once', () => {
    const s = schedule({ startingDeadlineMs: 2 * MIN });
    const d = decideSchedule(s, { since: T0, lastScheduleTime: T0 }, [], T0 + 95 * MIN);
    assert.equal(d.fire, undefined);
    assert.equal(d.memory.lastSkip?.reason, 'MissedStartingDeadline');
    assert.equal(d.memory.lastSkip?.time, T0 + 90 * MIN);
    assert.deepEqual(decideSchedule(s, d.memory, [], T0 + 96 * MIN).memory, d.memory);
    const within = decideSchedule(s, { since: T0, lastScheduleTime: T0 }, [], T0 + 91 * MIN);
    assert.equal(within.fire, T0 + 90 * MIN);
  });

  it('applies the concurrency policy to runs still going', () => {
    const running: ScheduledRun[] = [{ name: 'wf-nightly-1', active: true, scheduledAt: T0 }];
    const memory: ScheduleMemory = { since: T0, lastScheduleTime: T0 };
    const now = T0 + 10 * MIN;
    const forbid = decideSchedule(schedule(), memory, running, now);
    assert.equal(forbid.fire, undefined);
    assert.equal(forbid.memory.lastSkip?.reason, 'ConcurrencyForbid');
    assert.match(forbid.memory.lastSkip?.message ?? '', /wf-nightly-1 still running/);
    const allow = decideSchedule(schedule({ concurrencyPolicy: 'Allow' }), memory, running, now);
    assert.equal(allow.fire, now);
    assert.deepEqual(allow.replace, []);
    const replace = decideSchedule(schedule({ concurrencyPolicy: 'Replace' }), memory, running, now);
    assert.equal(replace.fire, now);
    assert.deepEqual(replace.replace, ['wf-nightly-1']);
    const finished = decideSchedule(schedule(), memory, [{ ...running[0]!, active: false }], now);
    assert.equal(finished.fire, now);
  });

  it('recognises a run already started for the fire time (status lost in a restart)', () => {
    const run: ScheduledRun = { name: 'wf-nightly-x', active: true, scheduledAt: T0 + 10 * MIN };
    const d = decideSchedule(schedule(), { since: T0 }, [run], T0 + 10 * MIN + 1);
    assert.equal(d.fire, undefined);
    assert.equal(d.memory.lastScheduleTime, T0 + 10 * MIN);
    assert.equal(d.memory.lastSkip, undefined);
  });

  it('does nothing while suspended', () => {
    const d = decideSchedule(schedule({ suspend: true }), { since: T0 }, [], T0 + 60 * MIN);
    assert.equal(d.fire, undefined);
    assert.deepEqual(d.nextTimes, []);
    assert.equal(d.wakeAt, undefined);
  });

  it('reads the cron expression in its time zone', () => {
    const s = schedule({ cron: '0 2 * * *', timezone: 'Europe/Paris' });
    const d = decideSchedule(s, { since: T0 }, [], T0);
    // 02:00 in Paris in winter is 01:00 UTC.
    assert.equal(d.nextTimes[0], Date.parse('2026-11-29T01:00:00Z'));
  });

  it('property: every fire time after the schedule is seen starts exactly one run, across restarts that lose status writes', () => {
    const period = 10_000;
    const s = schedule({ cron: '*/10 * * * * *', concurrencyPolicy: 'Allow' });
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.integer({ min: 1, max: period - 1 }), lose: fc.boolean() }), {
          minLength: 1,
          maxLength: 60,
        }),
        fc.integer({ min: 0, max: period - 1 }),
        (ticks, offset) => {
          let now = T0 + offset;
          let memory: ScheduleMemory | undefined;
          const runs = new Map<number, number>(); // fire time -> creations attempted
          const first = now;
          const step = () => {
            const existing = [...runs.keys()].map((t) => ({ name: `r-${t}`, active: false, scheduledAt: t }));
            const d = decideSchedule(s, memory, existing, now);
            if (d.fire !== undefined) runs.set(d.fire, (runs.get(d.fire) ?? 0) + 1);
            return d;
          };
          memory = step().memory;
          for (const tick of ticks) {
            now += tick.gap;
            const d = step();
            // A lost write: the controller restarts with the status it had before.
            if (!tick.lose) memory = d.memory;
          }
          // Fire times from the moment it was first seen (inclusive) to the last reconcile.
          const expected: number[] = [];
          for (let t = Math.ceil(first / period) * period; t <= now; t += period) expected.push(t);
          assert.deepEqual(
            [...runs.keys()].sort((a, b) => a - b),
            expected,
          );
          for (const count of runs.values()) assert.equal(count, 1);
        },
      ),
      { numRuns: 200 },
    );
  });
});
