// `conveyor ui`: a local web UI on loopback, acting on the local state directory, or with
// --cluster (one namespace, or all of them with -A) as the user of the kubeconfig (every action
// still passes the API server's admission policies as that user), or on both at once when a
// --state-dir is given with the cluster. Prints a URL with a random token, and serves until
// interrupted.
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { parseOptions } from '../parse-options.ts';
import { openStateStore, STATE_DIR_OPTION } from '../state-dir.ts';
import {
  CLUSTER_OPTIONS,
  CLUSTER_USAGE,
  invokedAsKubectlPlugin,
  wantsCluster,
} from '../cluster/backend-choice.ts';
import { newToken } from '../ui/access.ts';
import type { UiBackend } from '../ui/backend.ts';
import { LocalBackend } from '../ui/local-backend.ts';
import { MixedBackend } from '../ui/mixed-backend.ts';
import { startUiServer } from '../ui/server.ts';

export const uiUsage = `Usage: conveyor ui [--port N] [--state-dir DIR]
       conveyor ui --cluster [-n NS | -A] [--context C] [--kubeconfig F] [--port N]
       conveyor ui --cluster [-n NS | -A] --state-dir DIR [--port N]

Serves a web UI on 127.0.0.1 (a random free port unless --port): the runs, live; a run's graph
coloured by phase, its timeline, attempts and exit codes, output, outputs, conditions and Events; a
workflow's parameters, schedules (next fire times) and runs; approve, reject, resume, retry,
rollback and cancel, each the CLI command itself. Open the printed URL: requests without its token
are refused.

  -A, --all-namespaces    the runs and workflows of every namespace (implies --cluster), as
                          kubectl get -A lists them: each with its namespace, filtered by it
  --state-dir DIR         the local runs in DIR (default: $CONVEYOR_STATE_DIR, else ./.conveyor);
                          given with --cluster (or -n, -A, --context, --kubeconfig), the local runs
                          and the cluster's in one list, each marked local or with its namespace,
                          and each acted on where it lives; a cluster that cannot be reached
                          leaves the local runs listed, with its error, and its runs as last
                          seen (marked so, without actions) until it answers again

${CLUSTER_USAGE}

Examples:
  conveyor ui
  conveyor ui --cluster -A --port 8090
  conveyor ui --cluster -n team-a --state-dir .conveyor`;

export async function uiCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseOptions('ui', argv, {
    ...STATE_DIR_OPTION,
    ...CLUSTER_OPTIONS,
    'all-namespaces': { type: 'boolean', short: 'A' },
    port: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${uiUsage}\n`);
    return EXIT.succeeded;
  }
  if (positionals.length > 0) throw new UsageError(`conveyor ui: unexpected ${positionals[0]}\n\n${uiUsage}`);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`conveyor ui: --port must be a port number, got ${JSON.stringify(values.port)}`);
  if (values['all-namespaces'] === true && values.namespace !== undefined)
    throw new UsageError('conveyor ui: -A/--all-namespaces shows every namespace: leave out -n/--namespace');
  const local = () => new LocalBackend(openStateStore(io, values), io, process.argv[1] ?? 'conveyor');
  let backend: UiBackend;
  if (wantsCluster(argv) || values['all-namespaces'] === true) {
    const mixed = values['state-dir'] !== undefined;
    // As kubectl-conveyor every command acts on the cluster, the UI's local actions too (an
    // approval of a local run would go to a WorkflowRun of the same name).
    if (mixed && invokedAsKubectlPlugin())
      throw new UsageError(
        'conveyor ui: as kubectl conveyor every command acts on the cluster, so local runs cannot be shown beside it: run conveyor ui --cluster --state-dir DIR',
      );
    const { clusterBackend } = await import('../ui/cluster-backend.ts');
    const cluster = clusterBackend(values, io, { namespaced: mixed });
    backend = mixed ? new MixedBackend(local(), cluster) : cluster;
  } else {
    backend = local();
  }
  const server = await startUiServer(backend, newToken(), port);
  io.stdout.write(`Conveyor UI for ${backend.where}:\n  ${server.url}\n(Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  // Every request has been answered, but one the backend sent to a cluster that takes connections
  // and never answers (client-node sets no timeout) would keep the process for as long as that host
  // hangs: nothing is left to do, so the process ends if anything still holds it.
  setTimeout(() => process.exit(), 500).unref();
  return EXIT.succeeded;
}
