// The local state directory (default `.conveyor/`): one folder per run with its saved state, the
// workflow text it started with and its logs, plus circuit-breaker states carried across runs.
// Writes go through a temporary file and a rename, so a crash never leaves half a state behind.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { BreakerState, Observation, RunOptions, RunState } from '../engine/types.ts';
import { replayJournal } from './journal-replay.ts';
import { runLockHolder } from './run-lock.ts';

export const STATE_FILE_VERSION = 1;

/** Everything needed to resume a run later: the pinned workflow text, the inputs and the state. */
export interface SavedRun {
  readonly version: typeof STATE_FILE_VERSION;
  readonly runId: string;
  readonly file: string;
  readonly workflowText: string;
  readonly inputs: { readonly parameters: Record<string, unknown>; readonly environment?: string };
  readonly options: RunOptions;
  readonly savedAt: number;
  readonly state: RunState;
  /** Decisions made while the run was stopped (`conveyor approve`), applied when it resumes. */
  readonly pending?: readonly Observation[];
  /** Every round of the run, oldest first: the first `run`, then each `resume` or `rollback`. */
  readonly rounds?: readonly RunRound[];
  /** The run this one retries (`conveyor retry`), and the step it started at (`--from`). */
  readonly retryOf?: { readonly runId: string; readonly from?: string };
  /**
   * How many bytes of the run's journal this state includes: the decisions journaled after them
   * are replayed on load (journal-replay.ts). Absent: the state is complete as saved.
   */
  readonly journalOffset?: number;
}

/** One process's work on a run. A round without `finishedAt` was cut short (killed, crashed). */
export interface RunRound {
  /** stop and terminate: of a run parked for approval, which they end in their own process. */
  readonly command: 'run' | 'resume' | 'retry' | 'rollback' | 'stop' | 'terminate';
  readonly startedAt: number;
  readonly finishedAt?: number;
  readonly phase?: string;
  readonly reason?: string;
  /** The resume started again from the first step (the earlier round's failure handling ran). */
  readonly restartedFromFirstStep?: boolean;
  /** The rollback and on_failure steps that ran in this round. */
  readonly failureHandling?: readonly string[];
}

/** A round as `history` shows it (the field names and times of `run --output json`). */
export interface RoundSummary {
  readonly command: string;
  readonly started_at: string;
  readonly finished_at: string | null;
  readonly phase: string;
  readonly reason: string | null;
  readonly failure_handling: readonly string[];
  readonly restarted_from_first_step: boolean;
}

/** A run whose state says it is under way but that no live process holds. */
export const INTERRUPTED = 'Interrupted';

export interface RunSummary {
  readonly runId: string;
  readonly workflow: string;
  readonly phase: string;
  readonly degraded: boolean;
  readonly reason?: string;
  /** When the run was first started: a resume does not move it. */
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly savedAt: number;
  readonly file: string;
  /** Every round of the run, oldest first (a run saved before rounds were kept shows none). */
  readonly rounds: readonly RoundSummary[];
}

export class StateStore {
  constructor(readonly root: string) {}

  runDir(runId: string): string {
    return join(this.root, 'runs', runId);
  }

  logDir(runId: string): string {
    return join(this.runDir(runId), 'logs');
  }

  save(run: SavedRun): void {
    writeAtomic(this.stateFile(run.runId), `${JSON.stringify(run)}\n`);
  }

  /** Whether the run has been saved (its state is written whole, so a saved run loads). */
  isSaved(runId: string): boolean {
    return existsSync(this.stateFile(runId));
  }

  private stateFile(runId: string): string {
    return join(this.runDir(runId), 'state.json');
  }

  load(runId: string): SavedRun | undefined {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(runId)) return undefined;
    try {
      const saved = JSON.parse(readFileSync(this.stateFile(runId), 'utf8')) as SavedRun;
      return saved.version === STATE_FILE_VERSION ? this.upToDate(saved) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The saved run with the decisions journaled after its snapshot applied. */
  private upToDate(saved: SavedRun): SavedRun {
    if (saved.journalOffset === undefined) return saved;
    const replayed = replayJournal(
      this.runDir(saved.runId),
      saved.workflowText,
      saved.file,
      saved.state,
      saved.journalOffset,
    );
    // Once a round has taken the pending decisions it journals them as its first decision.
    if (!replayed) return saved;
    const { pending: _taken, ...rest } = saved;
    return { ...rest, state: replayed.state, journalOffset: replayed.journalOffset };
  }

  /** Every saved run, newest first. Unreadable folders are skipped, not fatal. */
  list(): SavedRun[] {
    let names: string[];
    try {
      names = readdirSync(join(this.root, 'runs'));
    } catch {
      return [];
    }
    const runs: SavedRun[] = [];
    for (const name of names) {
      const run = this.load(name);
      if (run) runs.push(run);
    }
    return runs.sort(
      (a, b) => (b.state.createdAt ?? 0) - (a.state.createdAt ?? 0) || b.runId.localeCompare(a.runId),
    );
  }

  summaries(): RunSummary[] {
    return this.list().map((r) => ({
      runId: r.runId,
      workflow: r.state.workflow,
      phase: this.livePhase(r),
      degraded: r.state.degraded,
      reason: r.state.reason,
      // When the run first started, not when its latest resume did.
      startedAt: r.rounds?.[0]?.startedAt ?? r.state.createdAt,
      finishedAt: r.state.finishedAt,
      savedAt: r.savedAt,
      file: r.file,
      rounds: this.roundSummaries(r),
    }));
  }

  /** The saved phase, or `Interrupted` for a run under way that no live process works on. */
  livePhase(run: SavedRun): string {
    const underWay = run.state.stage !== 'done' && run.state.phase !== 'AwaitingApproval';
    return underWay && !runLockHolder(this.runDir(run.runId)) ? INTERRUPTED : run.state.phase;
  }

  private roundSummaries(run: SavedRun): RoundSummary[] {
    const rounds = run.rounds ?? [];
    const live = this.livePhase(run) !== INTERRUPTED;
    return rounds.map((r, i) => ({
      command: r.command,
      started_at: new Date(r.startedAt).toISOString(),
      finished_at: r.finishedAt === undefined ? null : new Date(r.finishedAt).toISOString(),
      // A round that never recorded its end was cut short, unless it is the one under way now.
      phase: r.phase ?? (i === rounds.length - 1 && live ? run.state.phase : INTERRUPTED),
      reason: r.reason ?? null,
      failure_handling: r.failureHandling ?? [],
      restarted_from_first_step: r.restartedFromFirstStep === true,
    }));
  }

  remove(runId: string): void {
    rmSync(this.runDir(runId), { recursive: true, force: true });
  }

  /** When a run folder was last written, for cleanup by age. */
  modifiedAt(runId: string): number {
    try {
      return statSync(this.stateFile(runId)).mtimeMs;
    } catch {
      return 0;
    }
  }

  loadBreakers(workflow: string): Record<string, BreakerState> {
    try {
      return JSON.parse(readFileSync(this.breakerFile(workflow), 'utf8')) as Record<string, BreakerState>;
    } catch {
      return {};
    }
  }

  saveBreakers(workflow: string, breakers: Readonly<Record<string, BreakerState>>): void {
    if (Object.keys(breakers).length === 0) return;
    writeAtomic(this.breakerFile(workflow), `${JSON.stringify(breakers, null, 2)}\n`);
  }

  private breakerFile(workflow: string): string {
    return join(this.root, 'breakers', `${workflow.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
  }
}

function writeAtomic(path: string, text: string): void {
  const dir = path.slice(0, path.lastIndexOf('/'));
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
