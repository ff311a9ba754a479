// A local run's step output as it is written, for `conveyor logs -f` and the UI's log stream: new
// output of every attempt's files as `tail -f` follows files, a `==> step attempt N <==` header
// whenever the attempt it comes from changes, until nothing more will be written (the run ended,
// waits for an approval, or no process works on it) or the reader goes away.
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as delay } from 'node:timers/promises';
import { attemptFileBase } from '../executors/local/attempt-files.ts';
import { readFrom } from './read-from.ts';
import type { SavedRun, StateStore } from './state-store.ts';
import { INTERRUPTED } from './state-store.ts';

/** How often a followed run's files and state are looked at again. */
const FOLLOW_POLL_MS = 100;

export interface Attempt {
  readonly step: string;
  readonly id: string;
  readonly attempt: number;
  readonly purpose: string;
  readonly outcome?: string;
  readonly requestedAt: number;
}

/** Every attempt of the run (of one step when given), in the order they were asked for. */
export function attemptsOf(saved: SavedRun, step: string | undefined): Attempt[] {
  return saved.state.steps
    .flatMap((s) => s.history.map((h) => ({ step: s.name, ...h })))
    .filter((a) => step === undefined || a.step === step)
    .sort((a, b) => a.requestedAt - b.requestedAt);
}

export function attemptHeader(a: Attempt): string {
  return `==> ${a.step} attempt ${a.attempt} (${a.purpose}, ${a.outcome ?? 'running'}) <==\n`;
}

/** Resolves when nothing more will be written, or at once when `signal` aborts. */
export async function followRunLogs(
  store: StateStore,
  runId: string,
  step: string | undefined,
  write: (text: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  const dir = store.logDir(runId);
  const offsets = new Map<string, number>();
  // A character split between two readings is printed whole with the second.
  const decoders = new Map<string, StringDecoder>();
  let shown: string | undefined;
  while (!signal?.aborted) {
    const saved = store.load(runId);
    if (!saved) return;
    // Whether to stop is decided before reading, so the last reading sees everything written.
    const over = saved.state.stage === 'done' || isParked(store, saved);
    for (const a of attemptsOf(saved, step)) {
      const base = attemptFileBase(a.id);
      for (const file of [`${base}.out`, `${base}.log`]) {
        const text = readFrom(join(dir, file), offsets.get(file) ?? 0);
        if (text.length === 0) continue;
        offsets.set(file, (offsets.get(file) ?? 0) + text.length);
        if (shown !== a.id) write(`${shown === undefined ? '' : '\n'}${attemptHeader(a)}`);
        shown = a.id;
        const decoder = decoders.get(file) ?? new StringDecoder('utf8');
        decoders.set(file, decoder);
        write(decoder.write(text));
      }
    }
    if (over) return;
    await delay(FOLLOW_POLL_MS, undefined, { signal }).catch(() => undefined);
  }
}

/** Waiting for an approval, or under way with no process working on it: nothing more will be written. */
function isParked(store: StateStore, saved: SavedRun): boolean {
  return saved.state.phase === 'AwaitingApproval' || store.livePhase(saved) === INTERRUPTED;
}
