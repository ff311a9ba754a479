// `conveyor rollback RUN --cluster`: asks the controller to run the workflow's rollback steps for a
// finished run that did not succeed (spec.rollback: true, which the admission policy lets through
// only for holders of the verb rollback on workflowruns).
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { parseOptions } from '../parse-options.ts';
import { ClusterApi, clusterFailure } from './api.ts';
import { CLUSTER_OPTIONS, CLUSTER_USAGE, connect } from './connection.ts';

export const clusterRollbackUsage = `Usage: conveyor rollback RUN --cluster [options]

Runs the workflow's rollback steps for a run that failed or was cancelled (spec.rollback: true).

${CLUSTER_USAGE}`;

export async function clusterRollbackCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseOptions('rollback', argv, {
    ...CLUSTER_OPTIONS,
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${clusterRollbackUsage}\n`);
    return EXIT.succeeded;
  }
  if (positionals.length !== 1)
    throw new UsageError(`conveyor rollback: expected RUN\n\n${clusterRollbackUsage}`);
  const runName = positionals[0] as string;
  const api = new ClusterApi(connect(values, io));
  try {
    const run = await api.getRun(runName);
    if (!run) throw new UsageError(`no WorkflowRun ${runName} in namespace ${api.namespace}`);
    const phase = (run.status as { phase?: string } | undefined)?.phase ?? 'Pending';
    if (phase !== 'Failed' && phase !== 'Cancelled') {
      io.stderr.write(
        `conveyor rollback: ${runName} is ${phase}: only a failed or cancelled run can be rolled back\n`,
      );
      return EXIT.invalid;
    }
    if (run.spec?.rollback === true) {
      io.stdout.write(`${runName} is already rolling back (spec.rollback is set).\n`);
      return EXIT.succeeded;
    }
    await api.patchRun(runName, { spec: { rollback: true } });
    io.stdout.write(`Rolling back ${runName}: the controller runs the workflow's rollback steps.\n`);
    return EXIT.succeeded;
  } catch (error) {
    return clusterFailure('rollback', error, io);
  }
}
