// `conveyor schedule next --cron EXPR`: the next fire times of a cron expression, in a time zone, so
// that a schedule can be checked before it is added to a Workflow's `schedules`.
import { CronExpressionParser } from 'cron-parser';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { outputFormat, parseOptions } from '../parse-options.ts';

export const scheduleUsage = `Usage: conveyor schedule next --cron EXPR [--timezone TZ] [--count N] [--output text|json]

Prints the next fire times of a cron expression (five fields, or six with seconds), in UTC and in
the given IANA time zone (default UTC).`;

export async function scheduleCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.stdout.write(`${scheduleUsage}\n`);
    return sub === undefined ? EXIT.invalid : EXIT.succeeded;
  }
  if (sub !== 'next')
    throw new UsageError(`conveyor schedule: unknown subcommand '${sub}'\n\n${scheduleUsage}`);
  const { values } = parseOptions('schedule next', rest, {
    cron: { type: 'string' },
    timezone: { type: 'string' },
    count: { type: 'string' },
    output: { type: 'string', short: 'o' },
  });
  const output = outputFormat(values.output);
  if (typeof values.cron !== 'string')
    throw new UsageError(`conveyor schedule next: --cron is required\n\n${scheduleUsage}`);
  const count = values.count === undefined ? 5 : Number(values.count);
  if (!Number.isInteger(count) || count < 1 || count > 100)
    throw new UsageError('--count must be a whole number from 1 to 100');
  const timezone = (values.timezone as string | undefined) ?? 'UTC';
  if (!isTimeZone(timezone))
    throw new UsageError(`--timezone: unknown time zone '${timezone}' (an IANA name such as Europe/Paris)`);
  let times: Date[];
  try {
    const expression = CronExpressionParser.parse(values.cron, {
      tz: timezone,
      currentDate: new Date(io.now()),
    });
    times = Array.from({ length: count }, () => expression.next().toDate());
  } catch (error) {
    throw new UsageError(`--cron ${JSON.stringify(values.cron)}: ${(error as Error).message}`);
  }
  if (output === 'json') {
    io.stdout.write(
      `${JSON.stringify({ cron: values.cron, timezone, next: times.map((t) => t.toISOString()) }, null, 2)}\n`,
    );
    return EXIT.succeeded;
  }
  const local = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    dateStyle: 'short',
    timeStyle: 'short',
    hourCycle: 'h23',
  });
  for (const t of times) io.stdout.write(`${t.toISOString()}  (${local.format(t)} ${timezone})\n`);
  return EXIT.succeeded;
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
