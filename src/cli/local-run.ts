// Runs a workflow on this machine, each step a child process, driven by the engine: progress on
// the terminal, approvals from flags or a prompt, signals (run-signals.ts). The run is durable from
// its first instant: its state is saved before anything starts, its journal records every decision
// (what the engine was given) and each attempt before it starts, and the full state is saved again
// now and then (snapshot-schedule.ts), at its end, at an approval wait and on a signal.
import { createInterface } from 'node:readline/promises';
import { hostname, userInfo } from 'node:os';
import { failureHandlingThatRan } from '../engine/index.ts';
import type { Action, Observation, Plan, RunState, StartAttemptAction } from '../engine/types.ts';
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
import { processStartTime } from './process-identity.ts';
import { journalFile, RunJournal } from './run-journal.ts';
import type { JournalEntry } from './run-journal.ts';
import { reactToSignals } from './run-signals.ts';
import { wantsColour } from './colour.ts';
import { readControlRequest } from './run-control.ts';
import { SNAPSHOT_INTERVAL_MS, SnapshotSchedule } from './snapshot-schedule.ts';
import type { ControlAction } from './run-control.ts';
import type { RunRound, SavedRun } from './state-store.ts';
import type { StateStore } from './state-store.ts';

export interface LocalRunRequest {
  readonly io: CliIO;
  readonly store: StateStore;
  readonly plan: Plan;
  readonly state: RunState;
  readonly saved: Omit<SavedRun, 'state' | 'savedAt' | 'pending' | 'rounds'>;
  /** The run's earlier rounds (a resume adds one). */
  readonly rounds?: readonly RunRound[];
  /** This round: which command started it and how it treats what earlier rounds did. */
  readonly round: Pick<RunRound, 'command' | 'restartedFromFirstStep'>;
  readonly initialObservations?: readonly Observation[];
  /** Decisions recorded while the run was stopped, kept in the state until the run has taken them. */
  readonly pending?: readonly Observation[];
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
  // Earlier runs give the live box its time estimate; lines without the box need none. Reading them
  // loads every saved run of the state dir (~4 ms for each run of 1,000 steps), at every start.
  const previous = live
    ? store
        .list()
        .filter((r) => r.state.workflow === plan.workflow.name && r.runId !== req.state.runId)
        .slice(0, 10)
        .map((r) => r.state)
    : [];
  const reporter = new ProgressReporter({
    plan,
    out: progressOut,
    live,
    history: learnHistory(previous),
    now: () => io.now(),
    colour: wantsColour(io, progressOut),
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
  const runDir = store.runDir(req.state.runId);
  const journal = new RunJournal(journalFile(runDir), () => io.now());
  journal.append([{ event: 'round', command: req.round.command, pid: process.pid, host: hostname() }], true);
  // The first round starts when the run was created, so history and run -o json give one start time.
  const roundStart = req.rounds?.length ? io.now() : req.state.createdAt;
  const rounds: RunRound[] = [...(req.rounds ?? []), { ...req.round, startedAt: roundStart }];
  let pending = req.pending;
  const save = (state: RunState): void => {
    const journalOffset = journal.size();
    store.save({
      ...req.saved,
      rounds,
      state,
      savedAt: io.now(),
      ...(pending?.length ? { pending } : {}),
      ...(journalOffset !== undefined ? { journalOffset } : {}),
    });
  };
  // On disk before the first step starts: whatever ends this process, history shows the run.
  save(req.state);

  const executor = new ProcessExecutor(
    {
      logDir: store.logDir(req.state.runId),
      cwd: io.cwd,
      env: { ...io.env, CONVEYOR_RUN_ID: req.state.runId },
      // Write-ahead: the launcher fsyncs the journal, which has the start lines, before it starts.
      durableFile: journalFile(runDir),
      // And names each attempt's process there itself, the moment it exists.
      startedRecord: (action) => journal.startedRecord(action.step, action.attempt),
      readProcessStart: processStartTime,
    },
    // The loop exists before any attempt starts, so the callback never sees it uninitialised.
    (observation) => {
      journal.append(journalEntryOf(observation));
      loop.observe(observation);
    },
  );
  const snapshots = new SnapshotSchedule(systemClock, snapshotInterval(io), () => save(loop.current));
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
    record: (observations, now) => journal.append([{ event: 'decision', now, observations }]),
    persist: (_state, actions) => {
      pending = undefined;
      // Write-ahead: the launcher starts these attempts once this line is on disk.
      journal.append(startsIn(actions));
      // Someone may be asked, or the run may wait here for `conveyor approve`: show it now.
      if (actions.some((a) => a.kind === 'requestApproval')) snapshots.flush();
      else snapshots.changed();
    },
  });

  const stopReacting = reactToSignals({
    stop: (signal) => {
      journal.append([{ event: 'signal', signal, action: 'stop' }], true);
      snapshots.flush();
      reporter.note(
        `Received ${signal}: stopping the run, running steps get SIGTERM (${signal} again kills them at once)…`,
      );
      loop.observe({ kind: 'cancelRequested', message: `interrupted by ${signal}` });
    },
    terminate: (signal) => {
      journal.append([{ event: 'signal', signal, action: 'terminate' }], true);
      snapshots.flush();
      reporter.note(`Received ${signal} again: killing the running steps now.`);
      void executor.close();
    },
    hangUp: () => {
      journal.append([{ event: 'signal', signal: 'SIGHUP', action: 'continue' }], true);
      snapshots.flush();
      reporter.note('Received SIGHUP: the run goes on detached; see conveyor history and conveyor logs.');
    },
    control: () => {
      const request = readControlRequest(runDir);
      // Only ever stronger: a stop after a terminate changes nothing.
      if (!request || controlled === 'terminate' || controlled === request.action) return;
      controlled = request.action;
      journal.append([{ event: 'request', action: request.action, user: request.user }], true);
      snapshots.flush();
      if (request.action === 'stop') {
        reporter.note(
          `${request.user} asked to stop the run: no new steps start, running ones finish, then its failure hooks run.`,
        );
        loop.observe({ kind: 'cancelRequested', graceful: true, user: request.user });
        return;
      }
      reporter.note(`${request.user} asked to terminate the run: killing the running steps now.`);
      loop.observe({ kind: 'cancelRequested', user: request.user, message: `terminated by ${request.user}` });
      executor.killAll();
    },
  });
  let controlled: ControlAction | undefined;
  // Now `conveyor stop|terminate` may signal this process (run-control.ts).
  journal.append([{ event: 'control', pid: process.pid }], true);
  // The reactions stay until the last record is written: a signal while the run's end is being
  // saved must not cut that short.
  try {
    let end: 'finished' | 'awaitingApproval';
    try {
      end = await loop.run();
    } finally {
      snapshots.stop();
      reporter.stop();
      await executor.close();
    }
    const final = loop.current;
    rounds[rounds.length - 1] = {
      ...rounds[rounds.length - 1]!,
      finishedAt: io.now(),
      phase: final.phase,
      ...(final.reason !== undefined ? { reason: final.reason } : {}),
      ...handled(failureHandlingThatRan(plan, final)),
    };
    save(final);
    journal.append(
      [{ event: 'end', phase: final.phase, ...(final.reason ? { reason: final.reason } : {}) }],
      true,
    );
    journal.close();
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
  } finally {
    stopReacting();
  }
}

/** CONVEYOR_SNAPSHOT_INTERVAL_MS overrides the interval (tests lengthen it to rely on the journal alone). */
function snapshotInterval(io: CliIO): number {
  const ms = Number(io.env.CONVEYOR_SNAPSHOT_INTERVAL_MS);
  return Number.isFinite(ms) && ms >= 0 && io.env.CONVEYOR_SNAPSHOT_INTERVAL_MS !== ''
    ? ms
    : SNAPSHOT_INTERVAL_MS;
}

function handled(steps: readonly string[]): Pick<RunRound, 'failureHandling'> {
  return steps.length > 0 ? { failureHandling: steps } : {};
}

function startsIn(actions: readonly Action[]): JournalEntry[] {
  return actions
    .filter((a): a is StartAttemptAction => a.kind === 'startAttempt')
    .map((a) => ({ event: 'start', step: a.step, attempt: a.attempt }));
}

/** The journal's line for an attempt's end (its start is recorded by the launcher: startedRecord). */
function journalEntryOf(observation: Observation): JournalEntry[] {
  if (observation.kind === 'attemptFinished')
    return [
      {
        event: 'finished',
        step: observation.step,
        attempt: observation.attempt,
        exit_code: observation.exitCode,
      },
    ];
  return [];
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
