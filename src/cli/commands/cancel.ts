// `conveyor cancel RUN`: cancels a WorkflowRun in the cluster. Local runs have no separate process to
// ask (they run in the terminal that started them), so there Ctrl-C is the way to cancel.
import { wantsCluster } from '../cluster/backend-choice.ts';
import { EXIT } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';

export async function cancelCommand(argv: readonly string[], io: CliIO): Promise<number> {
  if (wantsCluster(argv)) return (await import('../cluster/cancel.ts')).clusterCancelCommand(argv, io);
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(`${(await import('../cluster/cancel.ts')).clusterCancelUsage}\n`);
    return EXIT.succeeded;
  }
  io.stderr.write(
    'conveyor cancel: cancel applies to runs in a cluster (add --cluster, or use kubectl conveyor).\n' +
      'A local run is cancelled with Ctrl-C in the terminal running it; a stopped local run needs no cancel.\n',
  );
  return EXIT.invalid;
}
