// `conveyor resume RUN`: continues a run that stopped for an approval, or re-runs a failed,
// cancelled or interrupted one from its unfinished steps, keeping what succeeded and its outputs;
// after failure handling (rollback, on_failure) that may have undone them, from the first step.
import { buildPlan, failureHandlingThatRan, prepareResume } from '../../engine/index.ts';
import type { CancelObservation } from '../../engine/types.ts';
import { readApproveOption } from '../approve-option.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { runLocally } from '../local-run.ts';
import { outputFormat, parseOptions } from '../parse-options.ts';
import { openStateStore, STATE_DIR_OPTION } from '../state-dir.ts';
import type { StateStore } from '../state-store.ts';
import { readRunOptions } from './run.ts';
import { orphanedAttempts, waitForOrphans } from '../orphaned-attempts.ts';
import { readJournal } from '../run-journal.ts';
import { lockRunOrRefuse } from '../run-lock-refusal.ts';
import { wantsCluster } from '../cluster/backend-choice.ts';
import { loadSavedRun, resolveRunId, workflowOfRun } from '../saved-runs.ts';

export const resumeUsage = `Usage: conveyor resume RUN [--approve STEP,...] [--auto-approve] [--parallel N] [--timeout D] [--from-failed] [--output text|json] [--state-dir DIR]

Continues a run that waits for approval, or re-runs a failed, cancelled or interrupted run from its
unfinished steps. When the run's failure handling ran (its rollback or on_failure steps), what had
succeeded may have been undone: the resume starts again from the first step, unless --from-failed
says to keep the steps that succeeded.

Examples:
  conveyor resume latest
  conveyor resume deploy-20260501093000-1a2b --approve production-gate
  conveyor resume deploy-20260501093000-1a2b --from-failed`;

export async function resumeCommand(argv: readonly string[], io: CliIO): Promise<number> {
  // Against a cluster (--cluster, --context, --kubeconfig, or run as kubectl-conveyor): see cluster/resume.ts.
  if (wantsCluster(argv)) return (await import('../cluster/resume.ts')).clusterResumeCommand(argv, io);
  const { values, positionals } = parseOptions('resume', argv, {
    ...STATE_DIR_OPTION,
    approve: { type: 'string', multiple: true },
    'auto-approve': { type: 'boolean' },
    parallel: { type: 'string' },
    timeout: { type: 'string' },
    'continue-on-error': { type: 'boolean' },
    'save-state': { type: 'boolean' },
    'from-failed': { type: 'boolean' },
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${resumeUsage}\n`);
    return EXIT.succeeded;
  }
  outputFormat(values.output); // a bad --output is refused before the run is touched
  if (positionals.length !== 1) throw new UsageError(`conveyor resume: expected RUN\n\n${resumeUsage}`);
  const store = openStateStore(io, values);
  const runId = resolveRunId(store, positionals[0] as string);
  const lock = lockRunOrRefuse(store, runId, 'resume', io.now());
  try {
    return await resumeLocked(runId, store, values, io);
  } finally {
    lock.release();
  }
}

/**
 * Resumes a run whose lock this process holds. `cancel` is for stop and terminate of a run parked
 * for approval (commands/stop.ts): the run goes on in this process only to end as they ask.
 */
export async function resumeLocked(
  runId: string,
  store: StateStore,
  values: Record<string, unknown>,
  io: CliIO,
  cancel?: { readonly by: 'stop' | 'terminate'; readonly observation: CancelObservation },
): Promise<number> {
  const output = outputFormat(values.output);
  // Read again under the lock: the process that held it may have changed it.
  const { saved } = loadSavedRun(store, runId);
  // The run goes on with the workflow it started with, whatever the file says now.
  const workflow = workflowOfRun(saved, io);
  if (!workflow) return EXIT.invalid;
  const plan = buildPlan(workflow);
  const options = { ...saved.options, ...readRunOptions(values) };
  const previous = saved.state;
  let state = previous;
  if (previous.phase === 'Succeeded') {
    io.stdout.write(`Run ${runId} already succeeded; nothing to resume.\n`);
    return EXIT.succeeded;
  }
  const progressOut = output === 'json' ? io.stderr : io.stdout;
  // A step left running by a process that died goes on in its own process group: wait for it
  // rather than start the same step again beside it.
  const orphans = orphanedAttempts(readJournal(store.runDir(runId)));
  if (orphans.length > 0) {
    const which = orphans.map((o) => `${o.step} (attempt ${o.attempt}, pid ${o.pid})`).join(', ');
    const kill = orphans.map((o) => `kill -TERM -${o.pid}`).join('; ');
    progressOut.write(
      `Waiting for ${which}, left running by the conveyor process that stopped, to end before resuming (to stop it: ${kill})…\n`,
    );
    await waitForOrphans(orphans, (ms) => new Promise((r) => setTimeout(r, ms)));
  }
  // A finished run starts a new round from its failed steps; a run saved mid-way by a process that
  // died still shows attempts as running, which nothing will ever report on: start a new round too.
  const undoing = failureHandlingThatRan(plan, previous);
  const fromFirstStep = undoing.length > 0 && values['from-failed'] !== true;
  if (fromFirstStep) {
    progressOut.write(
      `Run ${runId} failed and its failure handling ran (${undoing.join(', ')}), which may have undone the steps that had succeeded: starting again from the first step. (To keep them: conveyor resume ${runId} --from-failed)\n`,
    );
  }
  if (previous.stage === 'done' || previous.steps.some((s) => s.phase === 'Running') || fromFirstStep) {
    state = prepareResume(plan, previous, io.now(), options, { fromFirstStep });
  }
  const approve = readApproveOption(values, plan);
  const now = io.now();
  const flagged = state.steps
    .filter((s) => s.phase === 'AwaitingApproval' && (values['auto-approve'] === true || approve.has(s.name)))
    .map((s) => ({
      kind: 'approvalDecided' as const,
      step: s.name,
      user: io.env.USER ?? 'local',
      decision: 'approved' as const,
      override: true,
      at: now,
    }));
  const result = await runLocally({
    io,
    store,
    plan,
    state,
    rounds: saved.rounds ?? [],
    round: { command: cancel?.by ?? 'resume', ...(fromFirstStep ? { restartedFromFirstStep: true } : {}) },
    initialObservations: [...(saved.pending ?? []), ...flagged, ...(cancel ? [cancel.observation] : [])],
    ...(saved.pending ? { pending: saved.pending } : {}),
    saved: {
      version: saved.version,
      runId,
      file: saved.file,
      workflowText: saved.workflowText,
      inputs: saved.inputs,
      options,
      ...(saved.retryOf ? { retryOf: saved.retryOf } : {}),
    },
    approve,
    autoApprove: values['auto-approve'] === true,
    output,
    interactive: cancel === undefined && process.stdin.isTTY === true && io.stderr.isTTY && !io.env.CI,
  });
  return result;
}
