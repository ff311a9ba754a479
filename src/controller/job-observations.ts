// Reads what happened to a run's step attempts from their Jobs and Pods, as engine observations:
// finished Jobs become `attemptFinished` with the real exit code; attempts the engine started whose
// Job does not exist yet are reported so that the reconciler creates them.
import type { AttemptFinishedObservation, Plan, RunState } from '../engine/types.ts';
import { jobName } from '../executors/kubernetes/names.ts';
import type { JobObject, PodObject } from './resources.ts';

export interface InFlightAttempt {
  readonly step: string;
  readonly attempt: number;
  readonly job: string;
  readonly captureOutput: boolean;
  /** The engine asked to stop it: a missing Job then means it is gone, not that it was never made. */
  readonly cancelRequested: boolean;
}

export interface FinishedJob {
  readonly attempt: InFlightAttempt;
  readonly observation: Omit<AttemptFinishedObservation, 'output'>;
  /** The pod whose log holds the output, when the step captures it. */
  readonly pod?: string;
}

/** Attempts the engine considers running: requested and without an outcome. */
export function inFlightAttempts(plan: Plan, state: RunState, runName: string): InFlightAttempt[] {
  const out: InFlightAttempt[] = [];
  for (const node of plan.nodes) {
    const s = state.steps[node.index];
    if (!s || s.current === undefined) continue;
    const record = s.history.find((h) => h.attempt === s.current);
    if (!record || record.outcome !== undefined) continue;
    out.push({
      step: node.name,
      attempt: record.attempt,
      job: jobName(runName, node.name, record.attempt),
      captureOutput: record.purpose === 'main' && node.step.captureOutput !== undefined,
      cancelRequested: record.cancelRequested === true,
    });
  }
  return out;
}

/** The outcome of a finished Job, or undefined while it still runs. */
export function finishedJob(
  attempt: InFlightAttempt,
  job: JobObject,
  pods: readonly PodObject[],
): FinishedJob | undefined {
  const conditions = job.status?.conditions ?? [];
  const complete = conditions.find((c) => c.type === 'Complete' && c.status === 'True');
  const failed = conditions.find((c) => c.type === 'Failed' && c.status === 'True');
  if (!complete && !failed) return undefined;
  const pod = newestPod(pods);
  const terminated = pod?.status?.containerStatuses?.find((c) => c.name === 'step')?.state?.terminated;
  if (complete) {
    return {
      attempt,
      pod: pod?.metadata.name,
      observation: {
        kind: 'attemptFinished',
        step: attempt.step,
        attempt: attempt.attempt,
        exitCode: terminated?.exitCode ?? 0,
      },
    };
  }
  const timedOut = failed?.reason === 'DeadlineExceeded';
  const exitCode = terminated?.exitCode ?? null;
  const error =
    exitCode === null && !timedOut
      ? `Job ${job.metadata.name} failed: ${failed?.reason ?? 'unknown reason'}${failed?.message ? `: ${failed.message}` : ''}`
      : undefined;
  return {
    attempt,
    pod: pod?.metadata.name,
    observation: {
      kind: 'attemptFinished',
      step: attempt.step,
      attempt: attempt.attempt,
      exitCode,
      ...(timedOut ? { timedOut: true } : {}),
      ...(error ? { error } : {}),
    },
  };
}

function newestPod(pods: readonly PodObject[]): PodObject | undefined {
  return [...pods].sort((a, b) =>
    (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''),
  )[0];
}
