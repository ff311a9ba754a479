// `conveyor cancel RUN --cluster`: asks the controller to cancel a WorkflowRun (spec.cancel: true);
// it stops the running Jobs, runs the cancel hooks and ends the run Cancelled.
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { parseOptions } from '../parse-options.ts';
import { ClusterApi, clusterFailure } from './api.ts';
import { CLUSTER_OPTIONS, CLUSTER_USAGE, connect } from './connection.ts';

export const clusterCancelUsage = `Usage: conveyor cancel RUN --cluster [options]

Cancels a WorkflowRun: running steps are stopped and the run ends Cancelled.

${CLUSTER_USAGE}

Examples:
  conveyor cancel deploy-20260501093000-1a2b --cluster -n staging
  kubectl conveyor cancel deploy-20260501093000-1a2b`;

export async function clusterCancelCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseOptions('cancel', argv, {
    ...CLUSTER_OPTIONS,
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${clusterCancelUsage}\n`);
    return EXIT.succeeded;
  }
  if (positionals.length !== 1)
    throw new UsageError(`conveyor cancel: expected RUN\n\n${clusterCancelUsage}`);
  const runName = positionals[0] as string;
  const api = new ClusterApi(connect(values, io));
  try {
    const run = await api.getRun(runName);
    if (!run) throw new UsageError(`no WorkflowRun ${runName} in namespace ${api.namespace}`);
    const phase = (run.status as { phase?: string } | undefined)?.phase;
    if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Cancelled') {
      io.stdout.write(`${runName} already ended ${phase}; nothing to cancel.\n`);
      return EXIT.succeeded;
    }
    await api.patchRun(runName, { spec: { cancel: true } });
    io.stdout.write(`Cancelling ${runName}: the controller stops its running steps.\n`);
    return EXIT.succeeded;
  } catch (error) {
    return clusterFailure('cancel', error, io);
  }
}
