// `conveyor cancel RUN`: cancels a WorkflowRun in the cluster. A local run is cancelled with Ctrl-C in
// its terminal, or from another with `conveyor stop|terminate RUN` (commands/stop.ts).
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
      'A local run is cancelled with Ctrl-C in the terminal running it, or from another one with\n' +
      'conveyor stop RUN (running steps finish, failure hooks run) or conveyor terminate RUN (killed now).\n',
  );
  return EXIT.invalid;
}
