// How long a failed try waits before the next one (constant, linear or exponential with an optional
// cap), and the timer that ends the wait. Main steps (retry.ts) and hooks (activities.ts) share it.
import type { RetryPolicy } from '../spec/model.ts';
import type { Work } from './work.ts';

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

/** Starts the delay of a Retrying step; false when its delay is zero and it must retry at once. */
export function startRetryDelay(w: Work, i: number): boolean {
  const delay = retryDelayMs(w.node(i).retry, w.step(i).tries);
  if (delay <= 0) return false;
  const at = w.now + delay;
  w.patchStep(i, { nextAttemptAt: at });
  w.ix.timers.push({ at, kind: 'retry', node: i });
  return true;
}
