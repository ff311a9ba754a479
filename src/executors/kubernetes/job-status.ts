// The status the controller writes on a Job it manages (spec.managedBy) once the attempt has ended,
// in the shape the API server requires of such Jobs and that kubectl, the TTL controller and GitOps
// health checks read: a start time, Complete with SuccessCriteriaMet (and a completion time) or
// Failed with FailureTarget, and the pod counted as succeeded or failed.

export interface EndedAttempt {
  readonly outcome: 'Succeeded' | 'Failed';
  readonly timedOut?: boolean;
  /** When the attempt started and ended (ms since the epoch), as the engine recorded them. */
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly message?: string;
}

export function finishedJobStatus(
  job: { readonly metadata: { readonly creationTimestamp?: string } },
  attempt: EndedAttempt,
  now: number,
): Record<string, unknown> {
  const created = Date.parse(job.metadata.creationTimestamp ?? '');
  const start = Number.isFinite(created) ? created : (attempt.startedAt ?? now);
  // Times are written to the second, as the API server keeps them; the end never precedes the start.
  const startTime = toSeconds(start);
  const endTime = toSeconds(Math.max(Math.floor(start / 1000) * 1000, attempt.finishedAt ?? now));
  const condition = (type: string, reason: string, message: string) => ({
    type,
    status: 'True',
    reason,
    message,
    lastProbeTime: endTime,
    lastTransitionTime: endTime,
  });
  if (attempt.outcome === 'Succeeded') {
    const message = 'Reached expected number of succeeded pods';
    return {
      startTime,
      completionTime: endTime,
      active: 0,
      succeeded: 1,
      conditions: [
        condition('SuccessCriteriaMet', 'CompletionsReached', message),
        condition('Complete', 'CompletionsReached', message),
      ],
    };
  }
  const [reason, message] = attempt.timedOut
    ? ['DeadlineExceeded', 'Job was active longer than specified deadline']
    : [
        'BackoffLimitExceeded',
        `Job has reached the specified backoff limit${attempt.message ? `: ${attempt.message}` : ''}`,
      ];
  return {
    startTime,
    active: 0,
    failed: 1,
    conditions: [condition('FailureTarget', reason, message), condition('Failed', reason, message)],
  };
}

function toSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
