// Attempt primitives: rendering what to run and asking the executor to start or cancel it (what it
// reports back is read by attempt-reports.ts). Attempt ids are `<step>-<n>`, one counter per step
// across main tries and hooks.
import { addUsage } from './budgets.ts';
import { hasTemplateSyntax, renderShell, renderText } from './render.ts';
import type { Work } from './work.ts';
import type { AttemptPurpose, AttemptRecord, PlanNode, StartAttemptAction } from './types.ts';

export const DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024;

/** Why an attempt failed, as the rules that decide what happens next need it. */
export interface FailureInfo {
  readonly reason: string;
  readonly message: string;
  readonly timedOut: boolean;
  /** False for failures that would fail the same way again (render errors, oversized output). */
  readonly retryable: boolean;
}

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
