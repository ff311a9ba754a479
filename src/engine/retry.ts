// Retries of main steps: `on_retry` hooks between a failed try and the delay, then the delay
// (retry-delay.ts), and the wake-up when it is over (a hook's own retries: activities.ts).
import { hookRetryDue, startActivity } from './activities.ts';
import type { FailureInfo } from './attempts.ts';
import { finishNode } from './lifecycle.ts';
import { retryDelayMs, startRetryDelay } from './retry-delay.ts';
import { cancelReason, namesOf } from './stopping.ts';
import type { Work } from './work.ts';
import type { Activity } from './types.ts';

export { retryDelayMs } from './retry-delay.ts';

/** A main try failed and another is allowed: on_retry hooks first, then the delay. */
export function beginRetry(w: Work, i: number, info: FailureInfo): void {
  const node = w.node(i);
  const st = w.step(i);
  w.patchStep(i, { phase: 'Retrying', reason: info.reason, message: info.message });
  const delay = retryDelayMs(node.retry, st.tries);
  w.event(
    'step_retrying',
    'warning',
    `step '${node.name}' failed (${info.message}); try ${st.tries + 1} of ${node.maxTries + st.extraTries} in ${delay} ms`,
    node.name,
  );
  if (node.onRetry.length > 0) {
    startActivity(w, {
      purpose: 'on_retry',
      owner: node.name,
      items: namesOf(w, node.onRetry),
      stopOnFailure: false,
    });
    return;
  }
  armRetry(w, i);
}

/** Starts the delay of a Retrying main step; a zero delay retries at once. */
function armRetry(w: Work, i: number): void {
  if (!startRetryDelay(w, i)) retryDue(w, i);
}

/** The delay is over: a main step queues for the scheduler again, a hook restarts in its activity. */
export function retryDue(w: Work, i: number): void {
  if (!w.isMain(i)) {
    hookRetryDue(w, i);
    return;
  }
  w.patchStep(i, { phase: 'Waiting', nextAttemptAt: undefined });
  w.ix.ready.push(i);
}

/** The on_retry hooks are through (their failures are recorded, not fatal). */
export function onRetryHooksDone(w: Work, a: Activity): void {
  const i = w.plan.byName.get(a.owner as string) as number;
  if (a.aborted || w.d.stop) {
    finishNode(w, i, 'Cancelled', cancelReason(w));
    return;
  }
  armRetry(w, i);
}
