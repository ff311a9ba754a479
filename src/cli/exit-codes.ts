// The CLI's exit codes: scripts and CI pipelines branch on these, so they never change meaning.
export const EXIT = {
  succeeded: 0,
  failed: 1,
  invalid: 2,
  awaitingApproval: 3,
  /** Succeeded, but a step was replaced by its fallback (an open circuit breaker): Degraded. */
  degraded: 4,
  cancelled: 130,
} as const;

/** The exit code of a run that ended in `phase` (Degraded when a step fell back). */
export function exitCodeOfRun(phase: string | undefined, degraded: boolean): number {
  if (phase === 'Succeeded') return degraded ? EXIT.degraded : EXIT.succeeded;
  return phase === 'Cancelled' ? EXIT.cancelled : EXIT.failed;
}

/** Thrown for bad command lines; main prints the message and exits with `invalid`. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
