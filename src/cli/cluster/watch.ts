// `conveyor watch RUN --cluster`: re-attaches to a run already in the cluster (one started with
// --detach, by a schedule, by GitOps, or left by Ctrl-C) and follows it like `run` does, with the
// same progress, JSON result and exit codes.
import { suggest } from '../../template/index.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { outputFormat, parseOptions } from '../parse-options.ts';
import { ClusterApi, clusterFailure } from './api.ts';
import { CLUSTER_OPTIONS, CLUSTER_USAGE, connect } from './connection.ts';
import { followAsAsked } from './follow.ts';

export const clusterWatchUsage = `Usage: conveyor watch RUN --cluster [options]

Follows a WorkflowRun in the cluster until it ends or waits for approval, with the same progress and
exit codes as 'conveyor run' (0 succeeded, 1 failed, 3 waiting for approval, 4 degraded, 130 cancelled).

Options:
  --cancel-on-interrupt   Ctrl-C cancels the run (default: Ctrl-C stops watching, the run goes on)
  -o, --output text|json  json: one JSON document on stdout at the end, progress on stderr

${CLUSTER_USAGE}

Examples:
  conveyor watch deploy-20260501093000-1a2b --cluster -n staging
  kubectl conveyor watch nightly-backup-20260501-0300 -o json`;

export async function clusterWatchCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseOptions('watch', argv, {
    ...CLUSTER_OPTIONS,
    'cancel-on-interrupt': { type: 'boolean' },
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${clusterWatchUsage}\n`);
    return EXIT.succeeded;
  }
  const output = outputFormat(values.output);
  if (positionals.length !== 1) throw new UsageError(`conveyor watch: expected RUN\n\n${clusterWatchUsage}`);
  const runName = positionals[0] as string;
  const target = connect(values, io);
  const api = new ClusterApi(target);
  try {
    if (!(await api.getRun(runName))) {
      const hint = suggest(
        runName,
        (await api.listRuns()).map((r) => r.metadata.name),
      );
      throw new UsageError(
        `no WorkflowRun ${runName} in namespace ${api.namespace}${hint ? ` (did you mean '${hint}'?)` : ''}`,
      );
    }
    (output === 'json' ? io.stderr : io.stdout).write(`Watching ${runName} (${target.where}).\n`);
    return await followAsAsked({ api, io, target, values, run: runName, output });
  } catch (error) {
    return clusterFailure('watch', error, io);
  }
}
