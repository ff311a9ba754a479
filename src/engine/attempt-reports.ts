// What the executor reports about attempts: a start is recorded; a finish is read (exit code,
// timeout, captured output) and handed to what the attempt served: its activity for hooks and undo
// commands, and for a main try the breaker, then success, a retry, recovery or the final failure.
import { hookAttemptDone, undoAttemptDone } from './activities.ts';
import type { FailureInfo } from './attempts.ts';
import { recordBreaker } from './breakers.ts';
import { addUsage, releaseScopes } from './budgets.ts';
import { conditionsOf, failStep } from './failure.ts';
import { finishNode } from './lifecycle.ts';
import { findRecovery, startRecovery } from './recovery.ts';
import { beginRetry } from './retry.ts';
import { cancelReason } from './stopping.ts';
import type { Work } from './work.ts';
import type { AttemptFinishedObservation, AttemptRecord, AttemptStartedObservation } from './types.ts';
import { formatDuration } from '../spec/duration.ts';
import { utf8Length } from '../template/values.ts';

export function applyStarted(w: Work, o: AttemptStartedObservation): void {
  const i = w.plan.byName.get(o.step);
  if (i === undefined) return;
  const st = w.step(i);
  const last = st.history[st.history.length - 1];
  if (st.current !== o.attempt || last === undefined || last.startedAt !== undefined) return;
  const record: AttemptRecord = {
    ...last,
    startedAt: o.at,
    ...(o.handle !== undefined ? { handle: o.handle } : {}),
  };
  w.patchStep(i, { history: [...st.history.slice(0, -1), record] });
}

/** Reads a finished attempt; reports for attempts not in flight (duplicates, stale) are ignored. */
export function applyFinished(w: Work, o: AttemptFinishedObservation): void {
  const i = w.plan.byName.get(o.step);
  if (i === undefined) return;
  const st = w.step(i);
  const last = st.history[st.history.length - 1];
  if (st.current !== o.attempt || last === undefined || last.attempt !== o.attempt) return;
  const node = w.node(i);
  const purpose = last.purpose;
  let info = failureOf(w, i, o);
  let output: string | undefined;
  if (!info && purpose !== 'undo' && node.step.captureOutput !== undefined) {
    output = (o.output ?? '').trim();
    const max = w.d.options.maxOutputBytes;
    if (o.outputTruncated || utf8Length(output) > max) {
      output = undefined;
      info = {
        reason: 'OutputTooLarge',
        message: `its output is larger than ${formatBytes(max)}; capture_output keeps at most ${formatBytes(max)}`,
        timedOut: false,
        retryable: false,
      };
    }
  }
  const cancelled = info !== undefined && last.cancelRequested === true;
  const record: AttemptRecord = {
    ...last,
    finishedAt: w.now,
    exitCode: o.exitCode,
    ...(o.timedOut ? { timedOut: true } : {}),
    outcome: info === undefined ? 'Succeeded' : cancelled ? 'Cancelled' : 'Failed',
    ...(info !== undefined ? { message: info.message } : {}),
  };
  // An undo attempt leaves the step's own exit code (that of its last real try) alone.
  const exit = purpose === 'undo' ? {} : { exitCode: o.exitCode };
  w.patchStep(i, { current: undefined, ...exit, history: [...st.history.slice(0, -1), record] });
  if (purpose === 'undo') {
    undoAttemptDone(w, i, info === undefined, info?.message);
    return;
  }
  if (purpose !== 'main') {
    hookAttemptDone(w, i, info, cancelled, output);
    return;
  }
  addUsage(w.ix, w.plan, i, -1);
  releaseScopes(w, i);
  recordBreaker(w, i, info === undefined ? 'success' : cancelled ? 'cancelled' : 'failure');
  if (info === undefined) {
    if (output !== undefined) w.setOutput(node.step.captureOutput as string, output);
    finishNode(w, i, 'Succeeded');
  } else if (cancelled) {
    finishNode(w, i, 'Cancelled', cancelReason(w), info.message);
  } else {
    mainAttemptFailed(w, i, info);
  }
}

/** A main try failed (not because it was cancelled): another try, else recovery, else the final failure. */
function mainAttemptFailed(w: Work, i: number, info: FailureInfo): void {
  const st = w.step(i);
  if (!w.d.stop && info.retryable && st.tries < w.node(i).maxTries + st.extraTries) {
    beginRetry(w, i, info);
    return;
  }
  // A matching recovery strategy gets one chance (once per round).
  if (!w.d.stop && st.extraTries === 0) {
    const strategy = findRecovery(w, conditionsOf(w, i, info.timedOut));
    if (strategy) {
      startRecovery(w, i, strategy, info);
      return;
    }
  }
  failStep(w, i, info.reason, info.message, info.timedOut);
}

function failureOf(w: Work, i: number, o: AttemptFinishedObservation): FailureInfo | undefined {
  if (o.timedOut) {
    const ms = w.node(i).step.timeoutMs;
    const after = ms === undefined ? '' : ` after ${formatDuration(ms)}`;
    return { reason: 'TimedOut', message: `timed out${after}`, timedOut: true, retryable: true };
  }
  if (o.error !== undefined)
    return { reason: o.errorReason ?? 'ExecutorError', message: o.error, timedOut: false, retryable: true };
  if (o.exitCode === 0) return undefined;
  const message = o.exitCode === null ? 'killed by a signal' : `exit code ${o.exitCode}`;
  return { reason: 'ExitCode', message, timedOut: false, retryable: true };
}

function formatBytes(n: number): string {
  return n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`;
}
