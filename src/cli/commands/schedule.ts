// `conveyor schedule`: `next` prints the fire times of a cron expression (no cluster needed), so that
// a schedule can be checked before it is added; `add`, `list`, `cancel`, `suspend` and `resume` edit
// the schedules of Workflows in a cluster, which the operator runs.
import { CronExpressionParser } from 'cron-parser';
import { isTimeZone } from '../../spec/cron.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { outputFormat, parseOptions } from '../parse-options.ts';
import { suggest } from '../../template/index.ts';

const SUBCOMMANDS = ['add', 'list', 'cancel', 'suspend', 'resume', 'next'];

export const scheduleUsage = `Usage:
  conveyor schedule add FILE --cron EXPR [--timezone TZ] [--set K=V,...] [-e ENV] [--name NAME]
                    [--concurrency-policy Allow|Forbid|Replace] [--starting-deadline DURATION] [--suspend]
  conveyor schedule list [--output text|json]
  conveyor schedule cancel NAME [--workflow W]
  conveyor schedule suspend|resume NAME [--workflow W]
  conveyor schedule next --cron EXPR [--timezone TZ] [--count N] [--output text|json]

Schedules run in the Conveyor operator: 'add' applies FILE as a Workflow and adds (or replaces) an
entry of its spec.schedules; every fire time starts one WorkflowRun named after the workflow, the
schedule and the fire time. The name defaults to WORKFLOW-ENV-CADENCE (deployment-production-weekly).
The concurrency policy (default Forbid) says what happens when the previous run is still going:
Forbid skips the fire time, Allow starts another, Replace deletes the running one. A fire time
missed while the operator was down runs once when it is back, unless it is older than the starting
deadline. 'next' prints the next fire times of a cron expression (five fields, or six with seconds
first) in UTC and in the time zone; it needs no cluster.

Cluster options (add, list, cancel, suspend, resume):
  --context NAME          kubeconfig context to use
  --kubeconfig FILE       kubeconfig file (default: $KUBECONFIG or ~/.kube/config)
  -n, --namespace NS      namespace (default: the context's namespace, else 'default')

Examples:
  conveyor schedule add backup.yaml --cron "0 3 * * *" --timezone Europe/Paris -e production
  conveyor schedule next --cron "0 9 * * 1-5" --timezone America/New_York --count 3
  conveyor schedule suspend backup-production-daily`;

export async function scheduleCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.stdout.write(`${scheduleUsage}\n`);
    return sub === undefined ? EXIT.invalid : EXIT.succeeded;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${scheduleUsage}\n`);
    return EXIT.succeeded;
  }
  if (sub === 'add' || sub === 'list' || sub === 'cancel' || sub === 'suspend' || sub === 'resume') {
    const cluster = await import('../cluster/schedules.ts');
    if (sub === 'add') return cluster.scheduleAddCommand(rest, io);
    if (sub === 'list') return cluster.scheduleListCommand(rest, io);
    return cluster.scheduleEditCommand(sub, rest, io);
  }
  if (sub !== 'next') {
    const hint = suggest(sub, SUBCOMMANDS);
    throw new UsageError(
      `conveyor schedule: unknown subcommand '${sub}'${hint ? ` (did you mean '${hint}'?)` : ''}\n\n${scheduleUsage}`,
    );
  }
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
