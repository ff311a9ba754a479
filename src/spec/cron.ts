// Cron expressions of schedules, parsed by cron-parser: five fields, or six with seconds, in an IANA
// time zone. Pure: every function takes the instant it reasons about.
import { createRequire } from 'node:module';
import type * as CronParser from 'cron-parser';

// cron-parser (and luxon with it) loads on first use: most workflows have no schedules, and a
// `conveyor validate` of one should not pay for loading it at start.
let parser: typeof CronParser.CronExpressionParser | undefined;
function cronParser(): typeof CronParser.CronExpressionParser {
  parser ??= (createRequire(import.meta.url)('cron-parser') as typeof CronParser).CronExpressionParser;
  return parser;
}

export const DEFAULT_TIMEZONE = 'UTC';

/** Why an expression or time zone is refused, or undefined when both are fine. */
export function cronProblem(cron: string, timezone: string = DEFAULT_TIMEZONE): string | undefined {
  if (!isTimeZone(timezone)) return `unknown time zone '${timezone}' (an IANA name such as Europe/Paris)`;
  const fields = cron.trim().split(/\s+/).length;
  if (fields < 5 || fields > 6)
    return `cron expression ${JSON.stringify(cron)} has ${fields} field(s): use five (minute hour day month weekday) or six (with seconds first)`;
  try {
    cronParser()
      .parse(cron, { tz: timezone, currentDate: new Date(0) })
      .next();
    return undefined;
  } catch (error) {
    return `cron expression ${JSON.stringify(cron)}: ${(error as Error).message}`;
  }
}

/** The latest fire time at or before `now` (ms), or undefined when there is none. */
export function latestFireTime(cron: string, timezone: string, now: number): number | undefined {
  // prev() is strictly before the current date; one millisecond later includes a fire time at `now`.
  const expression = cronParser().parse(cron, { tz: timezone, currentDate: new Date(now + 1) });
  try {
    return expression.prev().getTime();
  } catch {
    return undefined;
  }
}

/** The next `count` fire times strictly after `now` (ms), soonest first. */
export function nextFireTimes(cron: string, timezone: string, now: number, count: number): number[] {
  const expression = cronParser().parse(cron, { tz: timezone, currentDate: new Date(now) });
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    try {
      out.push(expression.next().getTime());
    } catch {
      break; // expressions such as "0 0 30 2 *" never fire
    }
  }
  return out;
}

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
