// Exponential backoff with jitter, shared by the informer's reconnects, the work queue's per-key
// retries and the notifier's redeliveries. Randomness is a parameter so tests can assert exact delays.

export interface BackoffPolicy {
  /** Delay before the first retry. */
  initialMs: number;
  /** No delay is ever longer than this. */
  maxMs: number;
  /** Growth per failure (2 doubles the delay). */
  factor: number;
  /**
   * Fraction of the delay that is random, taken off the delay (so the cap still holds): 0.2 gives a
   * delay between 80 % and 100 % of the exponential value. Spreads reconnect storms of many replicas.
   */
  jitter: number;
}

/** The delay before retry number `attempt` (1 for the first retry). */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attempt - 1);
  // factor ** exponent overflows to Infinity for long outages; the cap absorbs that.
  const exponential = Math.min(policy.maxMs, policy.initialMs * policy.factor ** exponent);
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  return Math.round(exponential * (1 - jitter * random()));
}
