// `conveyor watch RUN`: follows a run in the cluster. A local run shows its progress in the terminal
// that runs it; afterwards `conveyor history` and `conveyor logs` tell how it went.
import { wantsCluster } from '../cluster/backend-choice.ts';
import { EXIT } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';

export async function watchCommand(argv: readonly string[], io: CliIO): Promise<number> {
  if (wantsCluster(argv)) return (await import('../cluster/watch.ts')).clusterWatchCommand(argv, io);
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(`${(await import('../cluster/watch.ts')).clusterWatchUsage}\n`);
    return EXIT.succeeded;
  }
  io.stderr.write(
    'conveyor watch: watch follows runs in a cluster (add --cluster, or use kubectl conveyor).\n' +
      'A local run shows its progress in the terminal running it; see conveyor history and conveyor logs.\n',
  );
  return EXIT.invalid;
}
