// `conveyor logs RUN [STEP] [-f]`: prints the saved output of a local run's step attempts. An
// attempt's stdout and stderr are in `<attempt>.log`; when its output was captured, its stdout is in
// `<attempt>.out` instead (printed first). With -f it follows a run in progress as `tail -f` follows
// files: new output as it is written, a `==> step attempt N <==` header whenever the attempt it
// comes from changes, new attempts as they start, until the run ends (or no process works on it):
// follow-run-logs.ts, which the UI's log stream uses too.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { attemptFileBase } from '../../executors/local/attempt-files.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { parseOptions } from '../parse-options.ts';
import { openStateStore, STATE_DIR_OPTION } from '../state-dir.ts';
import type { SavedRun } from '../state-store.ts';
import { wantsCluster } from '../cluster/backend-choice.ts';
import { loadSavedRun } from '../saved-runs.ts';
import { attemptHeader, attemptsOf, followRunLogs } from '../follow-run-logs.ts';
import { suggest } from '../../template/did-you-mean.ts';

export const logsUsage = `Usage: conveyor logs RUN [STEP] [-f] [--state-dir DIR]

Prints the output of a run's step attempts (of one STEP when given).

  -f, --follow   go on printing output as the steps write it, and the steps that start, until
                 the run ends; works from before the first step starts

Examples:
  conveyor logs latest
  conveyor logs deploy-20260501093000-1a2b migrate
  conveyor logs latest -f          (from a second terminal, while the run goes on)`;

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
    throw new UsageError(
      `run ${runId} has no step '${step}'${didYouMean(
        step,
        saved.state.steps.map((s) => s.name),
      )}`,
    );
  if (values.follow !== true) {
    printAll(io, store.logDir(runId), saved, step);
    return EXIT.succeeded;
  }
  // The run goes on without a reader (`logs -f | head -1`), but there is nothing left to do here.
  const readerGone = new AbortController();
  io.stdout.onClosed?.(() => readerGone.abort());
  await followRunLogs(store, runId, step, (text) => io.stdout.write(text), readerGone.signal);
  return EXIT.succeeded;
}

function didYouMean(word: string, candidates: readonly string[]): string {
  const hint = suggest(word, candidates);
  return hint ? ` (did you mean '${hint}'?)` : '';
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
    io.stdout.write(attemptHeader(a));
    for (const file of [`${base}.out`, `${base}.log`]) {
      if (files.includes(file)) io.stdout.write(readFileSync(join(dir, file), 'utf8'));
    }
  }
}
