// `conveyor history [--limit N]`: the runs in the state directory, newest first.
import { formatDuration } from '../../spec/duration.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { outputFormat, parseOptions } from '../parse-options.ts';
import { openStateStore, STATE_DIR_OPTION } from '../state-dir.ts';
import { clusterHistoryCommand } from '../cluster/history.ts';
import { wantsCluster } from '../cluster/backend-choice.ts';

export const historyUsage =
  'Usage: conveyor history [--limit N] [--workflow NAME] [--output text|json] [--state-dir DIR]';

export async function historyCommand(argv: readonly string[], io: CliIO): Promise<number> {
  // Against a cluster (--cluster, --context, --kubeconfig, or run as kubectl-conveyor): see cluster/history.ts.
  if (wantsCluster(argv, { shortNamespace: false })) return clusterHistoryCommand(argv, io);
  const { values } = parseOptions('history', argv, {
    ...STATE_DIR_OPTION,
    limit: { type: 'string', short: 'n' },
    workflow: { type: 'string' },
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${historyUsage}\n`);
    return EXIT.succeeded;
  }
  const output = outputFormat(values.output);
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit must be a whole number of at least 1`);
  const runs = openStateStore(io, values)
    .summaries()
    .filter((r) => values.workflow === undefined || r.workflow === values.workflow)
    .slice(0, limit);
  if (output === 'json') {
    io.stdout.write(`${JSON.stringify({ runs }, null, 2)}\n`);
    return EXIT.succeeded;
  }
  if (runs.length === 0) {
    io.stdout.write('No runs yet.\n');
    return EXIT.succeeded;
  }
  const rows = runs.map((r) => [
    r.runId,
    r.workflow,
    r.phase,
    r.startedAt ? new Date(r.startedAt).toISOString().replace('T', ' ').slice(0, 19) : '-',
    r.startedAt && r.finishedAt ? formatDuration(r.finishedAt - r.startedAt) : '-',
  ]);
  io.stdout.write(table(['RUN', 'WORKFLOW', 'PHASE', 'STARTED', 'DURATION'], rows));
  return EXIT.succeeded;
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
