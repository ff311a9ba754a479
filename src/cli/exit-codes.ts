// The CLI's exit codes: scripts and CI pipelines branch on these, so they never change meaning.
export const EXIT = {
  succeeded: 0,
  failed: 1,
  invalid: 2,
  awaitingApproval: 3,
  cancelled: 130,
} as const;

/** Thrown for bad command lines; main prints the message and exits with `invalid`. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
