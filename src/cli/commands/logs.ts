// `conveyor logs RUN [STEP] [-f]`: prints the saved output of a local run's step attempts. An
// attempt's stdout and stderr are in `<attempt>.log`; when its output was captured, its stdout is in
// `<attempt>.out` instead (printed first). With -f it follows a run in progress as `tail -f` follows
// files: new output as it is written, a `==> step attempt N <==` header whenever the attempt it
// comes from changes, new attempts as they start, until the run ends (or no process works on it).
import { readdirSync, readFileSync } from 'node:fs';
import { readFrom } from '../read-from.ts';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { attemptFileBase } from '../../executors/local/attempt-files.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { parseOptions } from '../parse-options.ts';
import { openStateStore, STATE_DIR_OPTION } from '../state-dir.ts';
import type { SavedRun, StateStore } from '../state-store.ts';
import { INTERRUPTED } from '../state-store.ts';
import { wantsCluster } from '../cluster/backend-choice.ts';
import { loadSavedRun } from '../saved-runs.ts';

export const logsUsage = `Usage: conveyor logs RUN [STEP] [-f] [--state-dir DIR]

Prints the output of a run's step attempts (of one STEP when given).

  -f, --follow   go on printing output as the steps write it, and the steps that start, until
                 the run ends; works from before the first step starts`;

/** How often a followed run's files and state are looked at again. */
const FOLLOW_POLL_MS = 100;

export async function logsCommand(argv: readonly string[], io: CliIO): Promise<number> {
  // Against a cluster (--cluster, --context, --kubeconfig, or run as kubectl-conveyor): see cluster/logs.ts.
  if (wantsCluster(argv)) return (await import('../cluster/logs.ts')).clusterLogsCommand(argv, io);
  const { values, positionals } = parseOptions('logs', argv, {
    ...STATE_DIR_OPTION,
    follow: { type: 'boolean', short: 'f' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${logsUsage}\n`);
    return EXIT.succeeded;
  }
  const [wanted, step] = positionals;
  if (!wanted) throw new UsageError(`conveyor logs: expected RUN\n\n${logsUsage}`);
  const store = openStateStore(io, values);
  const { runId, saved } = loadSavedRun(store, wanted);
  if (step !== undefined && !saved.state.steps.some((s) => s.name === step))
    throw new UsageError(`run ${runId} has no step '${step}'`);
  if (values.follow !== true) {
    printAll(io, store.logDir(runId), saved, step);
    return EXIT.succeeded;
  }
  await follow(io, store, runId, step);
  return EXIT.succeeded;
}

interface Attempt {
  readonly step: string;
  readonly id: string;
  readonly attempt: number;
  readonly purpose: string;
  readonly outcome?: string;
  readonly requestedAt: number;
}

function attemptsOf(saved: SavedRun, step: string | undefined): Attempt[] {
  return saved.state.steps
    .flatMap((s) => s.history.map((h) => ({ step: s.name, ...h })))
    .filter((a) => step === undefined || a.step === step)
    .sort((a, b) => a.requestedAt - b.requestedAt);
}

function header(a: Attempt): string {
  return `==> ${a.step} attempt ${a.attempt} (${a.purpose}, ${a.outcome ?? 'running'}) <==\n`;
}

function printAll(io: CliIO, dir: string, saved: SavedRun, step: string | undefined): void {
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.log') || f.endsWith('.out'));
  } catch {
    // No step has written output yet.
  }
  for (const a of attemptsOf(saved, step)) {
    const base = attemptFileBase(a.id);
    io.stdout.write(header(a));
    for (const file of [`${base}.out`, `${base}.log`]) {
      if (files.includes(file)) io.stdout.write(readFileSync(join(dir, file), 'utf8'));
    }
  }
}

async function follow(io: CliIO, store: StateStore, runId: string, step: string | undefined): Promise<void> {
  const dir = store.logDir(runId);
  const offsets = new Map<string, number>();
  // A character split between two readings is printed whole with the second.
  const decoders = new Map<string, StringDecoder>();
  let shown: string | undefined;
  for (;;) {
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
        if (shown !== a.id) io.stdout.write(`${shown === undefined ? '' : '\n'}${header(a)}`);
        shown = a.id;
        const decoder = decoders.get(file) ?? new StringDecoder('utf8');
        decoders.set(file, decoder);
        io.stdout.write(decoder.write(text));
      }
    }
    if (over) return;
    await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
  }
}

/** Waiting for an approval, or under way with no process working on it: nothing more will be written. */
function isParked(store: StateStore, saved: SavedRun): boolean {
  return saved.state.phase === 'AwaitingApproval' || store.livePhase(saved) === INTERRUPTED;
}
