// `conveyor stop RUN` and `conveyor terminate RUN`, for a local run that another process works on
// (the one holding the run's lock). stop is graceful: no new step starts, the running ones finish,
// then the failure hooks (on_failure, post_execution.failure) run and the run ends Cancelled,
// reason Stopped. terminate kills the running steps now (SIGKILL to their process groups); no hook
// runs and the run ends Cancelled, each hook recorded as not triggered. A run parked for approval
// has no such process: the command ends it itself. In a cluster, terminate is `cancel`
// (spec.cancel); the operator has no graceful stop.
import { hostname, userInfo } from 'node:os';
import { wantsCluster } from '../cluster/backend-choice.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { parseOptions } from '../parse-options.ts';
import { isProcessAlive } from '../process-identity.ts';
import { CONTROL_SIGNAL, listensForControl, writeControlRequest } from '../run-control.ts';
import type { ControlAction } from '../run-control.ts';
import { runLockHolder } from '../run-lock.ts';
import { openStateStore, STATE_DIR_OPTION } from '../state-dir.ts';
import { loadSavedRun } from '../saved-runs.ts';
import { lockRunOrRefuse } from '../run-lock-refusal.ts';
import type { StateStore } from '../state-store.ts';

/** The commands whose process runs steps and takes stop and terminate requests. */
const RUNNING_COMMANDS = new Set(['run', 'resume', 'retry', 'stop', 'terminate']);

function usage(action: ControlAction): string {
  return action === 'stop'
    ? `Usage: conveyor stop RUN [--wait] [--state-dir DIR]

Stops a local run that another conveyor process works on, gracefully: no new step starts, the
running steps finish, then the run's on_failure and post_execution.failure hooks run; the run
ends Cancelled (reason Stopped) and 'conveyor resume RUN' continues it. To kill the running steps
now instead: conveyor terminate RUN. A run parked for approval (no process works on it) is stopped
here: its waiting steps are cancelled and its failure hooks run in this process.

  --wait   return once the run has ended

Examples:
  conveyor stop deploy-20260501093000-1a2b --wait`
    : `Usage: conveyor terminate RUN [--wait] [--state-dir DIR]
       conveyor terminate RUN --cluster [options]     (the same as conveyor cancel RUN --cluster)

Terminates a local run that another conveyor process works on: its running steps are killed now
(SIGKILL to their process groups), nothing else starts and no hook runs; the run ends Cancelled
and 'conveyor resume RUN' continues it. To let the running steps finish: conveyor stop RUN. A run
parked for approval ends here, Cancelled, without a hook.

  --wait   return once the run has ended

Examples:
  conveyor terminate deploy-20260501093000-1a2b --wait
  conveyor terminate deploy-20260501093000-1a2b --cluster -n staging`;
}

export function stopCommand(argv: readonly string[], io: CliIO): Promise<number> {
  return controlCommand('stop', argv, io);
}

export function terminateCommand(argv: readonly string[], io: CliIO): Promise<number> {
  return controlCommand('terminate', argv, io);
}

async function controlCommand(action: ControlAction, argv: readonly string[], io: CliIO): Promise<number> {
  if (wantsCluster(argv)) {
    if (action === 'terminate') return (await import('../cluster/cancel.ts')).clusterCancelCommand(argv, io);
    throw new UsageError(
      'conveyor stop --cluster: the operator has no graceful stop; conveyor terminate RUN --cluster (or cancel) stops the running steps now',
    );
  }
  const { values, positionals } = parseOptions(action, argv, {
    ...STATE_DIR_OPTION,
    wait: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${usage(action)}\n`);
    return EXIT.succeeded;
  }
  if (positionals.length !== 1) throw new UsageError(`conveyor ${action}: expected RUN\n\n${usage(action)}`);
  const store = openStateStore(io, values);
  const { runId, saved } = loadSavedRun(store, positionals[0] as string);
  const runDir = store.runDir(runId);
  const holder = runLockHolder(runDir);
  if (!holder || !RUNNING_COMMANDS.has(holder.command)) {
    const phase = store.livePhase(saved);
    if (saved.state.stage !== 'done' && phase === 'AwaitingApproval')
      return endParkedRun(action, runId, store, io);
    io.stdout.write(
      saved.state.stage === 'done'
        ? `Run ${runId} already ended ${phase}; nothing to ${action}.\n`
        : `Run ${runId} is ${phase} and no conveyor process works on it; nothing to ${action}.\n`,
    );
    return EXIT.succeeded;
  }
  if (holder.host !== hostname())
    throw new UsageError(`run ${runId} runs on ${holder.host} (pid ${holder.pid}); ${action} it from there`);
  // A process that has just taken the lock listens a moment later.
  for (let i = 0; i < 100 && !listensForControl(runDir, holder.pid); i++) await sleep(50);
  if (!listensForControl(runDir, holder.pid))
    throw new UsageError(
      `run ${runId}'s process (pid ${holder.pid}) does not take requests yet; try again, or: kill -INT ${holder.pid}`,
    );
  const user = localUser(io);
  writeControlRequest(runDir, { action, user, at: io.now() });
  process.kill(holder.pid, CONTROL_SIGNAL);
  io.stdout.write(
    action === 'stop'
      ? `Stopping run ${runId} (pid ${holder.pid}): no new steps start; running steps finish, then its failure hooks run.\n`
      : `Terminating run ${runId} (pid ${holder.pid}): its running steps are killed now.\n`,
  );
  if (values.wait) {
    while (isProcessAlive(holder.pid, holder.processStart) && runLockHolder(runDir)) await sleep(100);
    const after = store.load(runId);
    io.stdout.write(`Run ${runId} ended ${after ? store.livePhase(after) : 'unknown'}.\n`);
  }
  return EXIT.succeeded;
}

/**
 * A run parked for approval has no process to ask: this one takes the run's lock and goes on with
 * it as resume would, with the cancel request as its first observation, so the run ends as a stop or
 * a terminate of a running one ends it (stop: the failure hooks run; terminate: no hook runs).
 */
async function endParkedRun(
  action: ControlAction,
  runId: string,
  store: StateStore,
  io: CliIO,
): Promise<number> {
  const waiting = store
    .load(runId)
    ?.state.steps.filter((s) => s.phase === 'AwaitingApproval')
    .map((s) => s.name)
    .join(', ');
  const user = localUser(io);
  const lock = lockRunOrRefuse(store, runId, action, io.now());
  try {
    io.stdout.write(
      action === 'stop'
        ? `Stopping run ${runId}, which waits for approval of ${waiting}: its failure hooks run now.\n`
        : `Terminating run ${runId}, which waits for approval of ${waiting}: it ends now and no hook runs.\n`,
    );
    const { resumeLocked } = await import('./resume.ts');
    await resumeLocked(runId, store, {}, io, {
      by: action,
      observation: {
        kind: 'cancelRequested',
        user,
        ...(action === 'stop' ? { graceful: true } : { message: `terminated by ${user}` }),
      },
    });
    return EXIT.succeeded;
  } finally {
    lock.release();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function localUser(io: CliIO): string {
  try {
    return io.env.USER ?? userInfo().username;
  } catch {
    return 'local';
  }
}
