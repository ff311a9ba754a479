// Polling with a deadline: the one way the harness and the tests wait for the cluster to converge.
import { setTimeout as delay } from 'node:timers/promises';

export interface PollOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Shown in the timeout error, e.g. "job hello to complete". */
  what: string;
  /** Extra detail for the timeout error (for example the object as last seen). */
  describe?: () => string | Promise<string>;
  /** Errors for which waiting longer is pointless (a process died): rethrown at once. */
  fatal?: (error: unknown) => boolean;
}

/**
 * Calls `probe` until it returns a value other than undefined/null/false, and returns that value. Errors
 * thrown by `probe` count as "not yet"; the last one is reported if the deadline passes.
 */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  options: PollOptions,
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const interval = options.intervalMs ?? 250;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      if (options.fatal?.(error)) throw error;
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await delay(interval);
  }
  let detail = '';
  if (options.describe) {
    try {
      detail = await options.describe();
    } catch (error) {
      detail = `(could not describe: ${String(error)})`;
    }
  }
  const cause = lastError === undefined ? '' : `; last error: ${String(lastError)}`;
  throw new Error(`timed out waiting for ${options.what}${cause}${detail ? `\n${detail}` : ''}`, {
    cause: lastError,
  });
}
