// `conveyor rollback RUN`: runs the workflow's rollback steps for a run that failed or was
// cancelled, once. Locally the rollback runs here, as a new round of the run; in a cluster it sets
// spec.rollback (cluster/rollback.ts) and the controller runs them.
import { buildPlan } from '../../engine/index.ts';
import { wantsCluster } from '../cluster/backend-choice.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { runLocally } from '../local-run.ts';
import { outputFormat, parseOptions } from '../parse-options.ts';
import { whyNoRollback } from '../rollback-check.ts';
import { lockRunOrRefuse } from '../run-lock-refusal.ts';
import { openStateStore, STATE_DIR_OPTION } from '../state-dir.ts';
import type { StateStore } from '../state-store.ts';
import { loadSavedRun, resolveRunId, workflowOfRun } from '../saved-runs.ts';

export const rollbackUsage = `Usage: conveyor rollback RUN [--output text|json] [--state-dir DIR]
       conveyor rollback RUN --cluster [options]

Runs the workflow's rollback steps for a run that failed or was cancelled (once per run). A local
run's rollback runs in this terminal, as a new round of the run (see conveyor history); a cluster
run's is run by the controller (spec.rollback: true, the RBAC verb rollback on workflowruns).

Examples:
  conveyor rollback deploy-20260501093000-1a2b
  kubectl conveyor rollback deploy-x7k2p -n prod`;

export async function rollbackCommand(argv: readonly string[], io: CliIO): Promise<number> {
  if (wantsCluster(argv)) return (await import('../cluster/rollback.ts')).clusterRollbackCommand(argv, io);
  const { values, positionals } = parseOptions('rollback', argv, {
    ...STATE_DIR_OPTION,
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${rollbackUsage}\n`);
    return EXIT.succeeded;
  }
  const output = outputFormat(values.output);
  if (positionals.length !== 1) throw new UsageError(`conveyor rollback: expected RUN\n\n${rollbackUsage}`);
  const store = openStateStore(io, values);
  const runId = resolveRunId(store, positionals[0] as string);
  const lock = lockRunOrRefuse(store, runId, 'rollback', io.now());
  try {
    return await rollbackLocked(runId, store, output, io);
  } finally {
    lock.release();
  }
}

async function rollbackLocked(
  runId: string,
  store: StateStore,
  output: 'text' | 'json',
  io: CliIO,
): Promise<number> {
  // Read again under the lock, with the workflow the run started with.
  const { saved } = loadSavedRun(store, runId);
  const workflow = workflowOfRun(saved, io);
  if (!workflow) return EXIT.invalid;
  const plan = buildPlan(workflow);
  const refusal = whyNoRollback(plan, saved.state);
  if (refusal) {
    io.stderr.write(`conveyor rollback: ${refusal}\n`);
    return EXIT.invalid;
  }
  return runLocally({
    io,
    store,
    plan,
    state: saved.state,
    rounds: saved.rounds ?? [],
    round: { command: 'rollback' },
    initialObservations: [{ kind: 'rollbackRequested' }],
    saved: {
      version: saved.version,
      runId,
      file: saved.file,
      workflowText: saved.workflowText,
      inputs: saved.inputs,
      options: saved.options,
    },
    approve: new Set(),
    autoApprove: false,
    output,
    interactive: false,
  });
}
