// A manual clock for the runtime's timers: time moves only when a test calls advance(), which fires
// due timers in deadline order and lets the promise callbacks they trigger run in between.
import type { Clock, TimerHandle } from '../../../../src/kube/clock.ts';

interface Timer {
  at: number;
  seq: number;
  callback: () => void;
}

export class FakeClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers = new Set<Timer>();

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, ms: number): TimerHandle {
    const timer: Timer = { at: this.time + Math.max(0, ms), seq: this.seq++, callback };
    this.timers.add(timer);
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle as Timer);
  }

  /** Milliseconds until each pending timer fires, soonest first. */
  pending(): number[] {
    return [...this.timers].map((t) => t.at - this.time).sort((a, b) => a - b);
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await settle();
    for (;;) {
      const next = [...this.timers]
        .filter((t) => t.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.timers.delete(next);
      this.time = next.at;
      next.callback();
      await settle();
    }
    this.time = target;
    await settle();
  }

  /** Advances to the next pending timer (and fires it); returns how far time moved. */
  async next(): Promise<number> {
    const delay = this.pending()[0];
    if (delay === undefined) throw new Error('no timer pending');
    await this.advance(delay);
    return delay;
  }
}

/** Lets every promise callback that is ready run (several turns, for chains of awaits). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
