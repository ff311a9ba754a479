// Activities: lists of hook-like steps run one after another (prerequisites, on_retry, on_failure,
// recovery actions, fallbacks, saga undo, rollback and the end-of-run hooks), each item retried
// under its own policy. What an activity does when its list is through is not decided here: the
// dispatcher (decide.ts) passes a handler per purpose.
import { launch, renderAttempt } from './attempts.ts';
import type { FailureInfo } from './attempts.ts';
import { evaluateCondition } from './render.ts';
import { startRetryDelay } from './retry-delay.ts';
import type { Work } from './work.ts';
import type { Activity, AttemptPurpose } from './types.ts';

/** What happens when an activity of a purpose is through (also when it was aborted). */
export type ActivityDone = (w: Work, a: Activity) => void;
export type ActivityHandlers = Readonly<Record<AttemptPurpose, ActivityDone>>;

export interface ActivitySpec {
  readonly id?: string;
  readonly purpose: AttemptPurpose;
  readonly owner?: string;
  readonly items: readonly string[];
  readonly stopOnFailure: boolean;
}

export function startActivity(w: Work, spec: ActivitySpec): void {
  const id = spec.id ?? `${spec.purpose}:${spec.owner ?? ''}:${++w.d.seq}`;
  const activity: Activity = {
    id,
    purpose: spec.purpose,
    ...(spec.owner !== undefined ? { owner: spec.owner } : {}),
    items: spec.items,
    position: 0,
    busy: false,
    failed: [],
    stopOnFailure: spec.stopOnFailure,
  };
  w.putActivity(activity);
}

/** The index of the step an activity serves. */
export function ownerOf(w: Work, a: Activity): number {
  return w.plan.byName.get(a.owner as string) as number;
}

/** Moves every idle activity forward: next item, or done (then its purpose's handler runs). */
export function driveActivities(w: Work, handlers: ActivityHandlers): void {
  for (const id of w.d.activities.map((a) => a.id)) {
    const a = w.activity(id);
    if (a && !a.busy) advance(w, a, handlers);
  }
}

function advance(w: Work, start: Activity, handlers: ActivityHandlers): void {
  let a = start;
  for (;;) {
    if (a.aborted || a.position >= a.items.length || (a.stopOnFailure && a.failed.length > 0)) {
      w.dropActivity(a.id);
      handlers[a.purpose](w, a);
      return;
    }
    const name = a.items[a.position] as string;
    const result = startItem(w, a, w.plan.byName.get(name) as number);
    if (result === 'wait') return;
    if (result === 'busy') {
      w.putActivity({ ...a, busy: true });
      return;
    }
    a = { ...a, position: a.position + 1, failed: result ? a.failed : [...a.failed, name] };
    w.putActivity(a);
    if (!result) w.event('hook_failed', 'warning', `${describe(a)}: step '${name}' failed`, name);
  }
}

/** Starts one item: 'busy' while its attempt runs, true/false when it ended at once, 'wait' if the step serves another activity. */
function startItem(w: Work, a: Activity, j: number): 'busy' | 'wait' | boolean {
  if (a.purpose === 'undo') {
    const r = renderAttempt(w, j, 'undo');
    if (!r.ok) {
      w.patchStep(j, { undone: 'Failed', message: r.message });
      return false;
    }
    launch(w, j, 'undo', r.value);
    return 'busy';
  }
  const st = w.step(j);
  if (st.current !== undefined || st.phase === 'Retrying') return 'wait';
  // A hook or action may run several times in a run (each on_retry, each fallback): a fresh invocation.
  w.patchStep(j, {
    phase: 'Pending',
    tries: 0,
    extraTries: 0,
    reason: undefined,
    message: undefined,
    startedAt: undefined,
    finishedAt: undefined,
    exitCode: undefined,
  });
  const condition = hookCondition(w, j);
  if (condition !== true) {
    if (condition === false) {
      w.patchStep(j, { phase: 'Skipped', reason: 'ConditionFalse', finishedAt: w.now });
      return true;
    }
    w.patchStep(j, { phase: 'Failed', reason: 'ConditionError', message: condition, finishedAt: w.now });
    return false;
  }
  const r = renderAttempt(w, j, a.purpose);
  if (!r.ok) {
    w.patchStep(j, { phase: 'Failed', reason: 'RenderError', message: r.message, finishedAt: w.now });
    return false;
  }
  launch(w, j, a.purpose, r.value);
  return 'busy';
}

/** A hook leaf runs when its own `when` and those of its enclosing hook groups hold; a string is an error. */
function hookCondition(w: Work, j: number): boolean | string {
  for (let k = j; k >= 0; k = w.node(k).parent) {
    const when = w.node(k).step.when;
    if (when === undefined) continue;
    const r = evaluateCondition(w.plan, when, w.templateData());
    if (!r.ok) return `cannot evaluate the condition: ${r.message}`;
    if (!r.value) return false;
  }
  return true;
}

function busyActivityOn(w: Work, name: string, undo: boolean): Activity | undefined {
  return w.d.activities.find(
    (a) => a.busy && a.items[a.position] === name && (a.purpose === 'undo') === undo,
  );
}

function itemFinished(w: Work, a: Activity, ok: boolean): void {
  const name = a.items[a.position] as string;
  w.putActivity({ ...a, busy: false, position: a.position + 1, failed: ok ? a.failed : [...a.failed, name] });
  if (!ok) w.event('hook_failed', 'warning', `${describe(a)}: step '${name}' failed`, name);
}

function describe(a: Activity): string {
  return a.owner === undefined ? a.purpose : `${a.purpose} of '${a.owner}'`;
}

/** A hook attempt ended: retry it under its own policy, or hand the result to its activity. */
export function hookAttemptDone(
  w: Work,
  j: number,
  failure: FailureInfo | undefined,
  cancelled: boolean,
  output: string | undefined,
): void {
  const node = w.node(j);
  const a = busyActivityOn(w, node.name, false);
  if (failure === undefined) {
    if (output !== undefined) w.setOutput(node.step.captureOutput as string, output);
    w.patchStep(j, { phase: 'Succeeded', finishedAt: w.now });
  } else if (cancelled) {
    w.patchStep(j, { phase: 'Cancelled', reason: 'Cancelled', message: failure.message, finishedAt: w.now });
  } else if (a && !a.aborted && failure.retryable && w.step(j).tries < node.maxTries) {
    w.patchStep(j, { phase: 'Retrying', reason: failure.reason, message: failure.message });
    if (!startRetryDelay(w, j)) hookRetryDue(w, j);
    return;
  } else {
    w.patchStep(j, { phase: 'Failed', reason: failure.reason, message: failure.message, finishedAt: w.now });
  }
  if (a) itemFinished(w, a, failure === undefined);
}

/** A hook's retry delay is over (or it had none). */
export function hookRetryDue(w: Work, j: number): void {
  w.patchStep(j, { nextAttemptAt: undefined });
  restartHook(w, j);
}

/** A hook's retry delay is over, or its activity was aborted while it waited. */
export function restartHook(w: Work, j: number): void {
  const a = busyActivityOn(w, w.node(j).name, false);
  if (!a || a.aborted) {
    w.patchStep(j, { phase: 'Cancelled', reason: 'Cancelled', finishedAt: w.now, nextAttemptAt: undefined });
    if (a) itemFinished(w, a, false);
    return;
  }
  const r = renderAttempt(w, j, a.purpose);
  if (!r.ok) {
    w.patchStep(j, { phase: 'Failed', reason: 'RenderError', message: r.message, finishedAt: w.now });
    itemFinished(w, a, false);
    return;
  }
  launch(w, j, a.purpose, r.value);
}

export function undoAttemptDone(w: Work, i: number, ok: boolean, message: string | undefined): void {
  w.patchStep(i, { undone: ok ? 'Succeeded' : 'Failed', ...(message !== undefined ? { message } : {}) });
  const a = busyActivityOn(w, w.node(i).name, true);
  if (a) itemFinished(w, a, ok);
}
