// Attempts: rendering what to run, asking the executor to start or cancel it, and reading what it
// reports back. Attempt ids are `<step>-<n>`, one counter per step across main tries and hooks.
import { addUsage, releaseScopes } from './budgets.ts';
import { hookAttemptDone, undoAttemptDone } from './activities.ts';
import { recordBreaker } from './breakers.ts';
import { cancelReason, mainAttemptFailed } from './failure.ts';
import type { FailureInfo } from './failure.ts';
import { finishNode } from './readiness.ts';
import { hasTemplateSyntax, renderShell, renderText } from './render.ts';
import type { Work } from './work.ts';
import type {
  AttemptFinishedObservation,
  AttemptPurpose,
  AttemptRecord,
  AttemptStartedObservation,
  PlanNode,
  StartAttemptAction,
} from './types.ts';

export const DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024;

export function attemptId(step: string, attempt: number): string {
  return `${step}-${attempt}`;
}

interface RenderedAttempt {
  readonly command?: string;
  readonly script?: string;
  readonly env: Record<string, string>;
}

/** Renders the command (or script, or the undo command) and env for an attempt. */
export function renderAttempt(
  w: Work,
  i: number,
  purpose: AttemptPurpose,
): { ok: true; value: RenderedAttempt } | { ok: false; message: string } {
  const step = w.node(i).step;
  const isScript = purpose !== 'undo' && step.kind === 'script';
  const source =
    purpose === 'undo' ? (step.rollbackCommand ?? '') : isScript ? (step.script ?? '') : (step.command ?? '');
  let text = source;
  if (hasTemplateSyntax(source)) {
    const r = renderShell(w.plan, source, w.templateData());
    if (!r.ok)
      return { ok: false, message: `cannot render the ${isScript ? 'script' : 'command'}: ${r.message}` };
    text = r.value;
  }
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(step.env)) {
    if (!hasTemplateSyntax(value)) {
      env[key] = value;
      continue;
    }
    const r = renderText(w.plan, value, w.templateData());
    if (!r.ok) return { ok: false, message: `cannot render env ${key}: ${r.message}` };
    env[key] = r.value;
  }
  return { ok: true, value: isScript ? { script: text, env } : { command: text, env } };
}

/** The start action of an attempt, from its rendered command or script. */
export function startAction(
  node: PlanNode,
  attempt: number,
  purpose: AttemptPurpose,
  rendered: RenderedAttempt,
): StartAttemptAction {
  const step = node.step;
  return {
    kind: 'startAttempt',
    attemptId: attemptId(node.name, attempt),
    step: node.name,
    attempt,
    purpose,
    ...(rendered.script !== undefined ? { script: rendered.script } : { command: rendered.command ?? '' }),
    ...(step.shell !== undefined ? { shell: step.shell } : {}),
    dynamic: step.dynamic,
    env: rendered.env,
    ...(step.timeoutMs !== undefined ? { timeoutMs: step.timeoutMs } : {}),
    captureOutput: purpose !== 'undo' && step.captureOutput !== undefined,
    ...(step.resources !== undefined ? { resources: step.resources } : {}),
    ...(step.image !== undefined ? { image: step.image } : {}),
  };
}

/** Hands out the next attempt number, records it and emits the start action. */
export function launch(w: Work, i: number, purpose: AttemptPurpose, rendered: RenderedAttempt): void {
  const node = w.node(i);
  const st = w.step(i);
  const attempt = st.lastAttempt + 1;
  const id = attemptId(node.name, attempt);
  const record: AttemptRecord = { id, attempt, purpose, requestedAt: w.now };
  const undo = purpose === 'undo';
  w.patchStep(
    i,
    undo
      ? { lastAttempt: attempt, current: attempt, history: [...st.history, record] }
      : {
          lastAttempt: attempt,
          current: attempt,
          history: [...st.history, record],
          phase: 'Running',
          tries: st.tries + 1,
          startedAt: st.startedAt ?? w.now,
          reason: undefined,
          message: undefined,
          nextAttemptAt: undefined,
        },
  );
  w.emit(startAction(node, attempt, purpose, rendered));
  if (purpose === 'main') {
    addUsage(w.ix, w.plan, i, 1);
    const tries = st.tries + 1;
    w.event(
      'step_started',
      'info',
      `step '${node.name}' started${tries > 1 ? ` (try ${tries})` : ''}`,
      node.name,
    );
  }
}

/** Asks the executor to stop the attempt in flight; its finished report ends the step. */
export function requestCancel(w: Work, i: number, reason: string): void {
  const st = w.step(i);
  const last = st.history[st.history.length - 1];
  if (st.current === undefined || last === undefined || last.attempt !== st.current || last.cancelRequested)
    return;
  w.patchStep(i, { history: [...st.history.slice(0, -1), { ...last, cancelRequested: true }] });
  w.emit({ kind: 'cancelAttempt', attemptId: last.id, step: st.name, attempt: last.attempt, reason });
}

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

/** UTF-8 length without Buffer, so the engine stays free of Node APIs. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      k++;
    } else n += 3;
  }
  return n;
}

function formatBytes(n: number): string {
  return n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`;
}

export function formatDuration(ms: number): string {
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
