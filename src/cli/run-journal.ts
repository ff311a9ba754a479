// The run's journal (`journal.jsonl` in its folder): an append-only record of what this machine did
// for the run, one JSON line per event. It is written ahead of the work it describes: the line
// saying an attempt starts reaches the disk (fsync) before the process is started, so that after
// any end of conveyor (a kill, a crash, a power cut) the journal still names every attempt that may
// have run. It also names the process of each attempt, so that a resume can wait for a step left
// running by a process that died instead of starting it again beside it.
//
// The start lines are written here, and the process launcher fsyncs this file before it starts
// them (ProcessExecutorOptions.durableFile): one fsync per batch of starts, in the launcher helper,
// off Node's main thread. The launcher also writes each attempt's `started` line, naming its
// process, the moment the process exists (startedRecord). An fsync per decision on the main thread was a third of a local run of
// many short steps (1,000 steps of `true`: ~450 fsyncs, ~0.6 s blocked).
import { closeSync, fstatSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Observation } from '../engine/types.ts';

export type JournalEntry =
  | { readonly event: 'round'; readonly command: string; readonly pid: number; readonly host: string }
  | { readonly event: 'start'; readonly step: string; readonly attempt: number }
  | {
      readonly event: 'started';
      readonly step: string;
      readonly attempt: number;
      readonly pid: number;
      readonly process_start?: string;
    }
  | {
      readonly event: 'finished';
      readonly step: string;
      readonly attempt: number;
      readonly exit_code: number | null;
    }
  /** One engine decision: what it was given, so that it can be made again (journal-replay.ts). */
  | { readonly event: 'decision'; readonly now: number; readonly observations: readonly Observation[] }
  | { readonly event: 'signal'; readonly signal: string; readonly action: string }
  /** This round's process takes `conveyor stop|terminate` requests (run-control.ts). */
  | { readonly event: 'control'; readonly pid: number }
  | { readonly event: 'request'; readonly action: string; readonly user: string }
  | { readonly event: 'output_lost'; readonly message: string }
  | { readonly event: 'end'; readonly phase: string; readonly reason?: string };

export type JournalLine = JournalEntry & { readonly at: string };

export function journalFile(runDir: string): string {
  return join(runDir, 'journal.jsonl');
}

export class RunJournal {
  private fd: number | undefined;

  constructor(
    private readonly path: string,
    private readonly now: () => number,
  ) {
    this.fd = openSync(path, 'a');
  }

  /** Appends entries; `durable` waits until they are on disk (for write-ahead records). */
  append(entries: readonly JournalEntry[], durable = false): void {
    if (this.fd === undefined || entries.length === 0) return;
    const at = new Date(this.now()).toISOString();
    const text = entries.map((e) => `${JSON.stringify({ at, ...e })}\n`).join('');
    try {
      writeSync(this.fd, text);
      if (durable) fsyncSync(this.fd);
    } catch {
      // A full or vanished disk must not stop the steps in flight; the snapshot is saved apart.
    }
  }

  /**
   * The start of the `started` line of an attempt, for the process launcher to complete with the
   * process and append the moment it exists (LaunchRequest.startedRecord): written by the launcher,
   * it names the process even when this conveyor process is killed before it hears of the start.
   */
  startedRecord(step: string, attempt: number): string {
    const prefix: Omit<Extract<JournalLine, { event: 'started' }>, 'pid' | 'process_start'> = {
      at: new Date(this.now()).toISOString(),
      event: 'started',
      step,
      attempt,
    };
    return JSON.stringify(prefix).slice(0, -1);
  }

  /** The journal's length in bytes: a snapshot of the state records how much of it it includes. */
  size(): number | undefined {
    if (this.fd === undefined) return undefined;
    try {
      return fstatSync(this.fd).size;
    } catch {
      return undefined;
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      fsyncSync(this.fd);
      closeSync(this.fd);
    } catch {
      // Nothing more can be done about it here.
    }
    this.fd = undefined;
  }
}

/** Every line of a run's journal; a torn last line (the process died mid-write) is ignored. */
export function readJournal(runDir: string): JournalLine[] {
  let text: string;
  try {
    text = readFileSync(journalFile(runDir), 'utf8');
  } catch {
    return [];
  }
  const lines: JournalLine[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      lines.push(JSON.parse(line) as JournalLine);
    } catch {
      // Torn write.
    }
  }
  return lines;
}
