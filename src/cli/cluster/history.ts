// `conveyor history --cluster`: the WorkflowRuns of a namespace, newest first.
import type { WorkflowRunObject } from '../../controller/resources.ts';
import { ANNOTATIONS } from '../../spec/crd/identity.ts';
import { table } from '../commands/history.ts';
import { phasePainter, wantsColour } from '../colour.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { outputFormat, parseOptions } from '../parse-options.ts';
import { age } from './age.ts';
import { ClusterApi, clusterFailure } from './api.ts';
import { CLUSTER_OPTIONS, CLUSTER_USAGE, connect } from './connection.ts';
import { newestFirst, workflowOf } from './run-listing.ts';

export const clusterHistoryUsage = `Usage: conveyor history --cluster [--limit N] [--workflow NAME] [--output text|json|yaml] [options]

${CLUSTER_USAGE}`;

interface RunStatusView {
  phase?: string;
  workflowName?: string;
  startedAt?: string;
  finishedAt?: string;
  progress?: { done?: number; total?: number; summary?: string };
}

export async function clusterHistoryCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values } = parseOptions('history', argv, {
    ...CLUSTER_OPTIONS,
    limit: { type: 'string' },
    workflow: { type: 'string' },
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${clusterHistoryUsage}\n`);
    return EXIT.succeeded;
  }
  // yaml as get prints it: the document -o json prints.
  const output = values.output === 'yaml' ? 'yaml' : outputFormat(values.output);
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit must be a whole number of at least 1`);
  const api = new ClusterApi(connect(values, io));
  let runs: WorkflowRunObject[];
  try {
    runs = await api.listRuns();
  } catch (error) {
    return clusterFailure('history', error, io);
  }
  const shown = newestFirst(runs)
    .filter((r) => values.workflow === undefined || workflowOf(r) === values.workflow)
    .slice(0, limit);
  if (output !== 'text') {
    const document = { namespace: api.namespace, runs: shown.map(historyEntry) };
    if (output === 'json') io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    // Our module, loaded only here, as local history does: a bundled dynamic import of the yaml
    // package itself lacks stringify (yaml-document.ts).
    else io.stdout.write((await import('../yaml-document.ts')).yamlDocument(document));
    return EXIT.succeeded;
  }
  if (shown.length === 0) {
    io.stdout.write(`No WorkflowRuns in namespace ${api.namespace}.\n`);
    return EXIT.succeeded;
  }
  const now = io.now();
  const rows = shown.map((r) => {
    const s = (r.status ?? {}) as RunStatusView;
    return [
      r.metadata.name,
      workflowOf(r),
      s.phase ?? 'Pending',
      s.progress?.total ? `${s.progress.done ?? 0}/${s.progress.total}` : '-',
      age(r.metadata.creationTimestamp, now),
    ];
  });
  const paint = phasePainter(wantsColour(io, io.stdout));
  io.stdout.write(
    table(['NAME', 'WORKFLOW', 'PHASE', 'PROGRESS', 'AGE'], rows, (cell, column) =>
      column === 2 ? paint(cell) : cell,
    ),
  );
  return EXIT.succeeded;
}

/** One run in -o json and -o yaml. */
function historyEntry(r: WorkflowRunObject): Record<string, unknown> {
  const s = (r.status ?? {}) as RunStatusView;
  return {
    run_id: r.metadata.name,
    workflow: workflowOf(r),
    phase: s.phase ?? 'Pending',
    progress: s.progress ? { done: s.progress.done ?? 0, total: s.progress.total ?? 0 } : null,
    created_at: r.metadata.creationTimestamp ?? null,
    started_at: s.startedAt ?? null,
    finished_at: s.finishedAt ?? null,
    created_by: r.metadata.annotations?.[ANNOTATIONS.createdBy] ?? null,
  };
}
