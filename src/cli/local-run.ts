// Runs a workflow on this machine, each step a child process, driven by the engine: progress on
// the terminal, approvals from flags or a prompt, Ctrl-C to cancel, state saved for resume.
import { createInterface } from 'node:readline/promises';
import { userInfo } from 'node:os';
import type { Observation, Plan, RunState } from '../engine/types.ts';
import { ProcessExecutor } from '../executors/local/process-executor.ts';
import { RunLoop, systemClock } from '../executors/run-loop.ts';
import type { ApprovalPolicy } from '../executors/run-loop.ts';
import type { NotificationsConfig } from '../observability/notifications/config.ts';
import { EXIT, exitCodeOfRun } from './exit-codes.ts';
import { failureTails } from './failure-output.ts';
import type { CliIO } from './io.ts';
import { learnHistory } from './progress/eta.ts';
import { ProgressReporter } from './progress/reporter.ts';
import { runResult } from './run-result.ts';
import { stateDirArgument } from './state-dir.ts';
import type { SavedRun } from './state-store.ts';
import type { StateStore } from './state-store.ts';

export interface LocalRunRequest {
  readonly io: CliIO;
  readonly store: StateStore;
  readonly plan: Plan;
  readonly state: RunState;
  readonly saved: Omit<SavedRun, 'state' | 'savedAt' | 'pending'>;
  readonly initialObservations?: readonly Observation[];
  readonly saveContinuously: boolean;
  readonly approve: ReadonlySet<string>;
  readonly autoApprove: boolean;
  readonly output: 'text' | 'json';
  /** Whether the user can be asked at a prompt (stdin and the progress stream are terminals). */
  readonly interactive: boolean;
  /** Send the workflow's notifications (and alerts) through these channels. */
  readonly notifications?: NotificationsConfig;
}

export async function runLocally(req: LocalRunRequest): Promise<number> {
  const { io, store, plan } = req;
  const progressOut = req.output === 'json' ? io.stderr : io.stdout;
  const live = progressOut.isTTY && !io.env.CI && !io.env.NO_COLOR && io.env.TERM !== 'dumb';
  const previous = store
    .list()
    .filter((r) => r.state.workflow === plan.workflow.name && r.runId !== req.state.runId)
    .slice(0, 10)
    .map((r) => r.state);
  const reporter = new ProgressReporter({
    plan,
    out: progressOut,
    live,
    history: learnHistory(previous),
    now: () => io.now(),
  });
  // Loaded only for a run with notifications (prom-client, pino and nodemailer come with it).
  const signals =
    req.notifications &&
    new (await import('./local-notifications.ts')).LocalRunSignals(
      req.notifications,
      plan,
      req.state.runId,
      () => io.now(),
      (text) => reporter.note(text),
    );
  const save = (state: RunState): void => store.save({ ...req.saved, state, savedAt: io.now() });

  const executor = new ProcessExecutor(
    {
      logDir: store.logDir(req.state.runId),
      cwd: io.cwd,
      env: { ...io.env, CONVEYOR_RUN_ID: req.state.runId },
    },
    // The loop exists before any attempt starts, so the callback never sees it uninitialised.
    (observation) => loop.observe(observation),
  );
  const loop: RunLoop = new RunLoop({
    plan,
    state: req.state,
    initialObservations: req.initialObservations,
    executor,
    clock: systemClock,
    approvals: approvalPolicy(req, reporter),
    user: localUser(io),
    onDecision: (state, actions) => {
      reporter.onDecision(state, actions);
      signals?.onState(state);
    },
    persist: req.saveContinuously ? save : undefined,
  });

  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts === 1) {
      reporter.note(
        `Received ${signal}: cancelling the run, stopping running steps (again to kill them at once)…`,
      );
      loop.observe({ kind: 'cancelRequested', message: `interrupted by ${signal}` });
    } else {
      void executor.close();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let end: 'finished' | 'awaitingApproval';
  try {
    end = await loop.run();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    reporter.stop();
    await executor.close();
  }
  const final = loop.current;
  save(final);
  const delivered = (await signals?.finish(final)) ?? '';
  store.saveBreakers(plan.workflow.name, final.breakers);
  const stateDir = stateDirArgument(io, store);
  const tails = failureTails(plan, final, store.logDir(final.runId), stateDir);
  if (req.output === 'json') io.stdout.write(`${JSON.stringify(runResult(plan, final, tails), null, 2)}\n`);
  else io.stdout.write(reporter.summary(final, tails));
  if (delivered) (req.output === 'json' ? io.stderr : io.stdout).write(delivered);
  if (end === 'awaitingApproval') {
    const waiting = final.steps.filter((s) => s.phase === 'AwaitingApproval').map((s) => s.name);
    const hint = waiting.map((s) => `  conveyor approve ${final.runId} ${s}${stateDir}`).join('\n');
    (req.output === 'json' ? io.stderr : io.stdout).write(
      `Waiting for approval of ${waiting.join(', ')}. State saved. Approve, then resume:\n${hint}\n  conveyor resume ${final.runId}${stateDir}\n`,
    );
    return EXIT.awaitingApproval;
  }
  return exitCodeOfRun(final.phase, final.degraded);
}

function approvalPolicy(req: LocalRunRequest, reporter: ProgressReporter): ApprovalPolicy {
  return async (request) => {
    if (req.autoApprove || req.approve.has(request.step)) return 'approved';
    if (!req.interactive) return 'wait';
    reporter.note(
      `Step '${request.step}' requires approval${request.description ? `: ${request.description}` : ''}.`,
    );
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = (
        await rl.question(`Approve '${request.step}'? [y]es / [n]o (reject) / [w]ait and save state: `)
      )
        .trim()
        .toLowerCase();
      if (answer === 'y' || answer === 'yes') return 'approved';
      if (answer === 'n' || answer === 'no') return 'rejected';
      return 'wait';
    } finally {
      rl.close();
    }
  };
}

function localUser(io: CliIO): string {
  try {
    return io.env.USER ?? userInfo().username;
  } catch {
    return 'local';
  }
}
