// What a failed step said before it failed: the last lines of its last attempt's output (bounded),
// and the `conveyor logs` command that prints all of it, for the summary and `--output json`.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { attemptLogFiles } from '../executors/local/attempt-files.ts';
import type { Plan, RunState } from '../engine/types.ts';

/** How many lines of a failed step's output the summary shows. */
export const TAIL_LINES = 20;
/** Bytes read from the end of each log file: enough for 20 lines, bounded for huge logs. */
const TAIL_BYTES = 64 * 1024;
/** A line longer than this is cut: one minified JSON line must not flood the terminal. */
const MAX_LINE = 400;

export interface FailureTail {
  /** The last lines (at most TAIL_LINES), oldest first; empty when the step printed nothing. */
  readonly lines: readonly string[];
  /** A command that prints the step's whole output, working as printed. */
  readonly logsCommand: string;
}

/**
 * A tail for every failed leaf (main steps and the hooks, fallbacks and actions the run used) that
 * ran at least one attempt. `stateDirArgument` is what the logs command needs to find the run.
 */
export function failureTails(
  plan: Plan,
  state: RunState,
  logDir: string,
  stateDirArgument: string,
): ReadonlyMap<string, FailureTail> {
  const tails = new Map<string, FailureTail>();
  for (const node of plan.nodes) {
    const st = state.steps[node.index];
    if (!st || node.isGroup || st.phase !== 'Failed') continue;
    const last = st.history.at(-1);
    if (!last) continue;
    const files = attemptLogFiles(logDir, last.id);
    // Captured stdout (.out) came before the log in `conveyor logs`; the error is usually last.
    const text = readTail(files.out) + readTail(files.log);
    tails.set(node.name, {
      lines: lastLines(text, TAIL_LINES),
      logsCommand: `conveyor logs ${state.runId} ${node.name}${stateDirArgument}`,
    });
  }
  return tails;
}

function lastLines(text: string, n: number): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.slice(-n).map((l) => (l.length > MAX_LINE ? `${l.slice(0, MAX_LINE)}…` : l));
}

function readTail(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const n = readSync(fd, buffer, read, length - read, size - length + read);
      if (n === 0) break;
      read += n;
    }
    let text = buffer.toString('utf8', 0, read);
    // Started mid-file: drop the partial first line (and a split multi-byte character with it).
    if (length < size) text = text.slice(text.indexOf('\n') + 1);
    return text && !text.endsWith('\n') ? `${text}\n` : text;
  } finally {
    closeSync(fd);
  }
}
