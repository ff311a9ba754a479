// The run's journal (`journal.jsonl` in its folder): an append-only record of what this machine did
// for the run, one JSON line per event. It is written ahead of the work it describes: the line
// saying an attempt starts reaches the disk (fsync) before the process is started, so that after
// any end of conveyor (a kill, a crash, a power cut) the journal still names every attempt that may
// have run. It also names the process of each attempt, so that a resume can wait for a step left
// running by a process that died instead of starting it again beside it.
//
// Starts wait for the disk through `afterDurable`, a group commit: one fsync, off the main thread,
// covers every line written before it was issued, and whatever is written while it is in flight
// waits for the next one. An fsync per decision on the main thread was a third of a local run of
// many short steps (1,000 steps of `true`: ~450 fsyncs, ~0.6 s blocked).
import { closeSync, fstatSync, fsync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
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

/** How the journal flushes its file asynchronously (node:fs's fsync; tests hold the callback). */
export type FsyncFn = (fd: number, done: (error: Error | null) => void) => void;

interface DurableWaiter {
  /** The journal is durable for this waiter once this many appends are on disk. */
  readonly upTo: number;
  readonly then: () => void;
}

export class RunJournal {
  private fd: number | undefined;
  /** Appends written so far, and how many of them an fsync has covered. */
  private written = 0;
  private synced = 0;
  private syncing = false;
  private readonly waiting: DurableWaiter[] = [];

  constructor(
    private readonly path: string,
    private readonly now: () => number,
    private readonly fsyncAsync: FsyncFn = fsync,
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
      this.written++;
      if (durable) {
        fsyncSync(this.fd);
        this.durableUpTo(this.written);
      }
    } catch {
      // A full or vanished disk must not stop the steps in flight; the snapshot is saved apart.
    }
  }

  /**
   * Runs `then` once every entry appended so far is on disk: at once when it already is, else
   * after an fsync issued no earlier than now. Callbacks run in the order they were registered.
   */
  afterDurable(then: () => void): void {
    if (this.fd === undefined || this.synced >= this.written) {
      then();
      return;
    }
    this.waiting.push({ upTo: this.written, then });
    this.syncSoon();
  }

  private syncSoon(): void {
    if (this.syncing || this.fd === undefined) return;
    this.syncing = true;
    const upTo = this.written;
    this.fsyncAsync(this.fd, () => {
      // An error is treated as done, as with the synchronous appends: the steps must not hang.
      this.syncing = false;
      this.durableUpTo(upTo);
      if (this.waiting.length > 0) this.syncSoon();
    });
  }

  private durableUpTo(upTo: number): void {
    if (upTo <= this.synced) return;
    this.synced = upTo;
    let ready = 0;
    while (ready < this.waiting.length && this.waiting[ready]!.upTo <= upTo) ready++;
    // Taken out first: a callback may append and register again.
    for (const waiter of this.waiting.splice(0, ready)) waiter.then();
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
    this.durableUpTo(this.written);
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
