// Time as a dependency: the runtime reads the time and sets timers only through a Clock, so unit tests
// drive backoff, watchdogs, delayed requeues and lease expiry with a fake clock instead of sleeping.

/** An opaque timer returned by `Clock.setTimer`. */
export type TimerHandle = object;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimer(callback: () => void, ms: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (callback, ms) => setTimeout(callback, Math.max(0, ms)),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Waits `ms` milliseconds, or less when `signal` aborts. It resolves in both cases (never rejects):
 * the loops that wait check their own stop flag afterwards, which keeps them free of try/catch.
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export function sleepOn(clock: Clock): Sleep {
  return (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const onAbort = () => {
        clock.clearTimer(timer);
        resolve();
      };
      const timer = clock.setTimer(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
}

/**
 * Settles like `promise`, or rejects with `signal.reason` as soon as `signal` aborts. A promise that
 * never settles (a hung connect, a stuck list) therefore can never wedge the loop that awaits it.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  // The abandoned promise may still reject later; that rejection is expected and not an error.
  promise.catch(() => {});
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

/**
 * Runs `fn` with a signal that aborts after `ms` (with a TimeoutError) or when `signal` aborts, and
 * settles as soon as either happens even if `fn` ignores its signal.
 */
export async function withDeadline<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  options: {
    ms: number;
    clock: Clock;
    what: string;
    signal?: AbortSignal;
    /** The timeout's message, when the default (`WHAT timed out after MS ms`) is not what to show. */
    message?: string;
  },
): Promise<T> {
  const controller = new AbortController();
  const parent = options.signal;
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  const timer = options.clock.setTimer(
    () =>
      controller.abort(
        new TimeoutError(options.message ?? `${options.what} timed out after ${options.ms} ms`),
      ),
    options.ms,
  );
  try {
    let pending: Promise<T>;
    try {
      pending = fn(controller.signal);
    } catch (error) {
      pending = Promise.reject(error as Error);
    }
    return await raceAbort(pending, controller.signal);
  } finally {
    options.clock.clearTimer(timer);
    parent?.removeEventListener('abort', onParentAbort);
  }
}

export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}
