import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SnapshotSchedule } from '../../../src/cli/snapshot-schedule.ts';
import type { Clock } from '../../../src/executors/run-loop.ts';

/** A clock whose time moves only when the test says, running the timers that fall due. */
function manualClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  let timers: { at: number; fn: () => void }[] = [];
  return {
    now: () => now,
    setTimer(fn, ms) {
      const timer = { at: now + ms, fn };
      timers.push(timer);
      return () => {
        timers = timers.filter((t) => t !== timer);
      };
    },
    advance(ms) {
      now += ms;
      const due = timers.filter((t) => t.at <= now);
      timers = timers.filter((t) => t.at > now);
      for (const t of due) t.fn();
    },
  };
}

test('the first change is saved at once, a burst after it once when the interval is up', () => {
  const clock = manualClock();
  let writes = 0;
  const schedule = new SnapshotSchedule(clock, 150, () => writes++);
  schedule.changed();
  assert.equal(writes, 1);
  for (let i = 0; i < 50; i++) {
    clock.advance(1);
    schedule.changed();
  }
  assert.equal(writes, 1, 'nothing more within the interval');
  clock.advance(100);
  assert.equal(writes, 2, 'the burst is saved once the interval is up');
  clock.advance(1000);
  assert.equal(writes, 2, 'no change, no write');
});

test('a flush writes at once and drops the write that was due', () => {
  const clock = manualClock();
  let writes = 0;
  const schedule = new SnapshotSchedule(clock, 150, () => writes++);
  schedule.changed();
  clock.advance(10);
  schedule.changed();
  schedule.flush();
  assert.equal(writes, 2);
  clock.advance(1000);
  assert.equal(writes, 2);
});

test('stop drops a write that was due', () => {
  const clock = manualClock();
  let writes = 0;
  const schedule = new SnapshotSchedule(clock, 150, () => writes++);
  schedule.changed();
  clock.advance(10);
  schedule.changed();
  schedule.stop();
  clock.advance(1000);
  assert.equal(writes, 1);
});

test('a write that takes long spaces out the next ones, so that writing stays a small share of the time', () => {
  const clock = manualClock();
  let writes = 0;
  // Each write takes 20 ms: at most 5% of the time means one write per 400 ms, not per 150 ms.
  const schedule = new SnapshotSchedule(clock, 150, () => {
    writes++;
    clock.advance(20);
  });
  schedule.changed();
  assert.equal(writes, 1);
  clock.advance(200);
  schedule.changed();
  assert.equal(writes, 1, 'not 150 ms after a 20 ms write');
  clock.advance(199);
  assert.equal(writes, 1);
  clock.advance(1);
  assert.equal(writes, 2, '400 ms after the end of the first write');
});
