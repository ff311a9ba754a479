// `conveyor history [--limit N]`: the runs in the state directory, newest first.
import { formatDuration } from '../../spec/duration.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { outputFormat, parseOptions } from '../parse-options.ts';
import { openStateStore, STATE_DIR_OPTION } from '../state-dir.ts';
import type { RunSummary } from '../state-store.ts';
import { HISTORY_FILTER_OPTIONS, historyFilter, historyFilterUsage } from '../history-filter.ts';
import { wantsCluster } from '../cluster/backend-choice.ts';
import { phasePainter, wantsColour } from '../colour.ts';
import { suggest } from '../../template/did-you-mean.ts';

export const historyUsage = `Usage: conveyor history [--limit N] [--workflow NAME] [--status PHASE,...] [--since AGE|TIME]
                        [--output text|json|yaml] [--state-dir DIR]

The runs in the state directory, newest first.

Options:
${historyFilterUsage}

Examples:
  conveyor history --status failed --since 1d
  conveyor history --workflow deploy -n 5 -o json`;

export async function historyCommand(argv: readonly string[], io: CliIO): Promise<number> {
  // Against a cluster (--cluster, --context, --kubeconfig, or run as kubectl-conveyor): see cluster/history.ts.
  if (wantsCluster(argv, { shortNamespace: false }))
    return (await import('../cluster/history.ts')).clusterHistoryCommand(argv, io);
  const { values } = parseOptions('history', argv, {
    ...STATE_DIR_OPTION,
    limit: { type: 'string', short: 'n' },
    workflow: { type: 'string' },
    ...HISTORY_FILTER_OPTIONS,
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${historyUsage}\n`);
    return EXIT.succeeded;
  }
  // yaml as get prints it: the document -o json prints.
  const output = values.output === 'yaml' ? 'yaml' : outputFormat(values.output);
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit must be a whole number of at least 1`);
  const wanted = historyFilter(values, io.now());
  const all = openStateStore(io, values).summaries();
  const runs = all
    .filter((r) => values.workflow === undefined || r.workflow === values.workflow)
    .filter(wanted)
    .slice(0, limit);
  if (output === 'json') {
    io.stdout.write(`${JSON.stringify({ runs: runs.map(historyEntry) }, null, 2)}\n`);
    return EXIT.succeeded;
  }
  if (output === 'yaml') {
    // Loaded only here: history is one of the commands whose start-up is kept small.
    const { yamlDocument } = await import('../yaml-document.ts');
    io.stdout.write(yamlDocument({ runs: runs.map(historyEntry) }));
    return EXIT.succeeded;
  }
  if (runs.length === 0) {
    io.stdout.write(all.length === 0 ? 'No runs yet.\n' : `No runs match ${filtersGiven(values, all)}.\n`);
    return EXIT.succeeded;
  }
  const rows = runs.map((r) => [
    r.runId,
    r.workflow,
    // Earlier rounds too (a failure and its rollback before a resume): `Failed → Succeeded`.
    [
      ...r.rounds.slice(0, -1).map((round) => round.phase),
      r.degraded ? `${r.phase} (Degraded)` : r.phase,
    ].join(' → '),
    r.startedAt ? new Date(r.startedAt).toISOString().replace('T', ' ').slice(0, 19) : '-',
    r.startedAt && r.finishedAt ? formatDuration(r.finishedAt - r.startedAt) : '-',
  ]);
  const paint = phasePainter(wantsColour(io, io.stdout));
  io.stdout.write(
    table(['RUN', 'WORKFLOW', 'PHASE', 'STARTED', 'DURATION'], rows, (cell, column) =>
      column === 2 ? paint(cell) : cell,
    ),
  );
  return EXIT.succeeded;
}

/** The filters as given, so that a user sees which one left nothing (a mistyped workflow most likely). */
function filtersGiven(values: Record<string, unknown>, all: readonly RunSummary[]): string {
  const given: string[] = [];
  if (typeof values.workflow === 'string') {
    const hint = suggest(values.workflow, [...new Set(all.map((r) => r.workflow))]);
    given.push(`--workflow ${values.workflow}${hint ? ` (did you mean '${hint}'?)` : ''}`);
  }
  for (const name of ['status', 'since']) {
    if (typeof values[name] === 'string') given.push(`--${name} ${values[name]}`);
  }
  return given.join(' ');
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/** One run in `history -o json`: the field names and ISO times of `run -o json`. */
function historyEntry(r: RunSummary): Record<string, unknown> {
  return {
    run_id: r.runId,
    workflow: r.workflow,
    phase: r.phase,
    degraded: r.degraded,
    reason: r.reason ?? null,
    started_at: iso(r.startedAt),
    finished_at: iso(r.finishedAt),
    saved_at: iso(r.savedAt),
    file: r.file,
    rounds: r.rounds,
  };
}

/** Columns padded to their widest cell; `paint` decorates a padded body cell (colour) without moving the columns. */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  paint: (padded: string, column: number) => string = (padded) => padded,
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[], decorate: boolean) =>
    cells
      .map((c, i) => {
        const padded = i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0);
        return decorate ? paint(padded, i) : padded;
      })
      .join('  ')
      .trimEnd();
  return `${[line(header, false), ...rows.map((r) => line(r, true))].join('\n')}\n`;
}
