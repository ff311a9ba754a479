// When a local run saves its full state. Saving it after every decision made a run of many short
// steps spend most of its time building, writing and renaming state.json; the journal already
// records every decision (journal-replay.ts), so the snapshot is written at most once per interval,
// and at once where a reader or the next round needs it (the end, an approval wait, a signal).
// The interval stretches with the cost of a write: the state of a 1,000-step run is ~400 KiB, and
// saving it every 150 ms took an eighth of the run's main thread. A second is as fresh as a person
// watching needs (`conveyor ui` notices a run's change by its state.json); a reader that needs the
// latest state has it anyway, from the journal after the snapshot (StateStore.load replays it).
// 1,000 steps of `true`: ~50 snapshots of up to 430 KiB at 150 ms, ~0.08 s of Node's CPU.
import type { Clock } from '../executors/run-loop.ts';

/** How often at most a running run's state.json is rewritten. */
export const SNAPSHOT_INTERVAL_MS = 1000;
/** Writing snapshots takes at most this share of the time: the wait after one is 1/share its cost. */
export const SNAPSHOT_TIME_SHARE = 0.05;

export class SnapshotSchedule {
  private last = Number.NEGATIVE_INFINITY;
  private gap: number;
  private cancel: (() => void) | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly write: () => void,
  ) {
    this.gap = intervalMs;
  }

  /** The state changed: write it now if the last write is old enough, else when the interval is up. */
  changed(): void {
    if (this.cancel) return;
    const wait = this.last + this.gap - this.clock.now();
    if (wait <= 0) {
      this.flush();
      return;
    }
    this.cancel = this.clock.setTimer(() => {
      this.cancel = undefined;
      this.flush();
    }, wait);
  }

  /** Writes now, whatever the interval. */
  flush(): void {
    this.stop();
    const start = this.clock.now();
    this.write();
    this.last = this.clock.now();
    this.gap = Math.max(this.intervalMs, (this.last - start) / SNAPSHOT_TIME_SHARE);
  }

  /** Drops a write that is due later (the caller writes the last state itself). */
  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }
}
