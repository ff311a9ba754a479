// What a Workflow's schedules should do now: start a run for a fire time, skip it, or replace a run
// still going. Pure (the instant is passed in) and idempotent: the decision depends only on the
// schedule, what status remembers and which runs exist, so a second controller or a restarted one
// reaches the same decision, and the run name derived from the fire time makes its creation happen once.
import { DEFAULT_TIMEZONE, latestFireTime, nextFireTimes } from '../spec/cron.ts';
import type { Schedule } from '../spec/model.ts';

/** What Workflow.status remembers of one schedule (times in ms since the epoch). */
export interface ScheduleMemory {
  /** When the controller first saw the schedule: earlier fire times are not its to run. */
  readonly since?: number;
  /** The fire time of the last run it started. */
  readonly lastScheduleTime?: number;
  /** The last fire time it decided not to run, and why. */
  readonly lastSkip?: { readonly time: number; readonly reason: SkipReason; readonly message: string };
}

export type SkipReason = 'MissedStartingDeadline' | 'ConcurrencyForbid';

/** A run this schedule started (found by its label), with whether it is still going. */
export interface ScheduledRun {
  readonly name: string;
  readonly active: boolean;
  /** The fire time it was started for (from its annotation). */
  readonly scheduledAt?: number;
}

export interface ScheduleDecision {
  /** Start the run of this fire time. */
  readonly fire?: number;
  /** Runs to delete before starting the new one (`Replace`). */
  readonly replace: readonly string[];
  /** The memory to write back. */
  readonly memory: ScheduleMemory;
  readonly nextTimes: readonly number[];
  /** When to look again (the next fire time), if ever. */
  readonly wakeAt?: number;
}

export const NEXT_TIMES_SHOWN = 3;

export function decideSchedule(
  schedule: Schedule,
  memory: ScheduleMemory | undefined,
  runs: readonly ScheduledRun[],
  now: number,
): ScheduleDecision {
  const timezone = schedule.timezone ?? DEFAULT_TIMEZONE;
  const since = memory?.since ?? now;
  const base: ScheduleMemory = { ...memory, since };
  if (schedule.suspend) return { replace: [], memory: base, nextTimes: [] };
  const nextTimes = nextFireTimes(schedule.cron, timezone, now, NEXT_TIMES_SHOWN);
  const wakeAt = nextTimes[0];
  const latest = latestFireTime(schedule.cron, timezone, now);
  const handled = Math.max(
    since - 1,
    memory?.lastScheduleTime ?? -Infinity,
    memory?.lastSkip?.time ?? -Infinity,
  );
  // Only the latest missed fire time counts: after downtime a schedule runs once, not once per miss.
  if (latest === undefined || latest <= handled) return { replace: [], memory: base, nextTimes, wakeAt };
  // Started already (by another controller, or by us before a restart lost the status write).
  if (runs.some((r) => r.scheduledAt === latest))
    return { replace: [], memory: { ...base, lastScheduleTime: latest }, nextTimes, wakeAt };
  const skip = (reason: SkipReason, message: string): ScheduleDecision => ({
    replace: [],
    memory: { ...base, lastSkip: { time: latest, reason, message } },
    nextTimes,
    wakeAt,
  });
  if (schedule.startingDeadlineMs !== undefined && now - latest > schedule.startingDeadlineMs) {
    return skip(
      'MissedStartingDeadline',
      `the fire time ${new Date(latest).toISOString()} was missed by more than the starting deadline (${Math.round(schedule.startingDeadlineMs / 1000)}s)`,
    );
  }
  const active = runs.filter((r) => r.active).map((r) => r.name);
  if (active.length > 0 && schedule.concurrencyPolicy === 'Forbid') {
    return skip(
      'ConcurrencyForbid',
      `concurrency_policy Forbid: ${active.join(', ')} still running at ${new Date(latest).toISOString()}`,
    );
  }
  return {
    fire: latest,
    replace: schedule.concurrencyPolicy === 'Replace' ? active : [],
    memory: { ...base, lastScheduleTime: latest },
    nextTimes,
    wakeAt,
  };
}
