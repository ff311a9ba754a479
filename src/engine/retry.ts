// Retries: the delay before each new try (constant, linear or exponential with an optional cap),
// `on_retry` hooks between a failed try and the delay, and the wake-up when the delay is over.
import { restartHook, startActivity } from './activities.ts';
import { cancelReason, namesOf } from './failure.ts';
import type { FailureInfo } from './failure.ts';
import { finishNode } from './readiness.ts';
import type { Work } from './work.ts';
import type { RetryPolicy } from '../spec/model.ts';
import type { Activity } from './types.ts';

/** Delay before the retry that follows the `failedTries`-th failed try (1 for the first retry). */
export function retryDelayMs(policy: RetryPolicy | undefined, failedTries: number): number {
  if (!policy) return 0;
  const k = Math.max(1, failedTries);
  let delay: number;
  switch (policy.backoff) {
    case 'linear':
      delay = policy.delayMs * k;
      break;
    case 'exponential':
      delay = policy.delayMs * 2 ** (k - 1);
      break;
    default:
      delay = policy.delayMs;
  }
  return policy.maxDelayMs === undefined ? delay : Math.min(delay, policy.maxDelayMs);
}

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

/** Starts the delay of a Retrying step (main or hook); a zero delay retries at once. */
export function armRetry(w: Work, i: number): void {
  const delay = retryDelayMs(w.node(i).retry, w.step(i).tries);
  if (delay <= 0) {
    retryDue(w, i);
    return;
  }
  const at = w.now + delay;
  w.patchStep(i, { nextAttemptAt: at });
  w.ix.timers.push({ at, kind: 'retry', node: i });
}

/** The delay is over: a main step queues for the scheduler again, a hook restarts in its activity. */
export function retryDue(w: Work, i: number): void {
  if (!w.isMain(i)) {
    w.patchStep(i, { nextAttemptAt: undefined });
    restartHook(w, i);
    return;
  }
  w.patchStep(i, { phase: 'Waiting', nextAttemptAt: undefined });
  w.ix.ready.push(i);
}

/** The on_retry hooks are through (their failures are recorded, not fatal). */
export function onRetryHooksDone(w: Work, i: number, a: Activity): void {
  if (a.aborted || w.d.stop) {
    finishNode(w, i, 'Cancelled', cancelReason(w));
    return;
  }
  armRetry(w, i);
}
