// `conveyor list --cluster`: the Workflows of a namespace, whether the controller found them valid
// (their Ready condition) and their most recent run.
import type { WorkflowObject, WorkflowRunObject } from '../../controller/resources.ts';
import { table } from '../commands/history.ts';
import { EXIT } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { outputFormat, parseOptions } from '../parse-options.ts';
import { age } from './age.ts';
import { ClusterApi, clusterFailure } from './api.ts';
import { CLUSTER_OPTIONS, CLUSTER_USAGE, connect } from './connection.ts';
import { newestFirst, workflowOf } from './run-listing.ts';

export const clusterListUsage = `Usage: conveyor list --cluster [--output text|json] [options]

${CLUSTER_USAGE}`;

interface Condition {
  type?: string;
  status?: string;
  message?: string;
}

export async function clusterListCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values } = parseOptions('list', argv, {
    ...CLUSTER_OPTIONS,
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${clusterListUsage}\n`);
    return EXIT.succeeded;
  }
  const output = outputFormat(values.output);
  const api = new ClusterApi(connect(values, io));
  let workflows: WorkflowObject[];
  let runs: WorkflowRunObject[];
  try {
    [workflows, runs] = await Promise.all([api.listWorkflows(), api.listRuns()]);
  } catch (error) {
    return clusterFailure('list', error, io);
  }
  const sorted = newestFirst(runs);
  const entries = [...workflows]
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
    .map((wf) => {
      const conditions = ((wf.status ?? {}) as { conditions?: Condition[] }).conditions ?? [];
      const ready = conditions.find((c) => c.type === 'Ready');
      const last = sorted.find((r) => workflowOf(r) === wf.metadata.name);
      return {
        name: wf.metadata.name,
        description: typeof wf.spec?.description === 'string' ? wf.spec.description : null,
        ready: ready?.status ?? 'Unknown',
        message: ready?.status === 'True' ? null : (ready?.message ?? null),
        last_run: last
          ? {
              run_id: last.metadata.name,
              phase: (last.status as { phase?: string } | undefined)?.phase ?? 'Pending',
              created_at: last.metadata.creationTimestamp ?? null,
            }
          : null,
      };
    });
  if (output === 'json') {
    io.stdout.write(`${JSON.stringify({ namespace: api.namespace, workflows: entries }, null, 2)}\n`);
    return EXIT.succeeded;
  }
  if (entries.length === 0) {
    io.stdout.write(`No Workflows in namespace ${api.namespace}.\n`);
    return EXIT.succeeded;
  }
  const now = io.now();
  const rows = entries.map((e) => [
    e.name,
    e.ready,
    e.last_run
      ? `${e.last_run.run_id} (${e.last_run.phase}, ${age(e.last_run.created_at ?? undefined, now)} ago)`
      : '-',
  ]);
  io.stdout.write(table(['NAME', 'READY', 'LAST RUN'], rows));
  for (const e of entries.filter((x) => x.message)) io.stdout.write(`${e.name}: ${e.message}\n`);
  return EXIT.succeeded;
}
