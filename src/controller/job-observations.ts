// Reads what happened to a run's step attempts from their Jobs and Pods, as engine observations:
// finished Jobs become `attemptFinished` with the real exit code. A pod whose container has exited
// says so before its Job's conditions do (the Job controller may lag), so its exit counts first.
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

/**
 * The exit of an attempt's container as its pod reports it, when the process ended by itself: a
 * pod being deleted (a deadline, a cancel) may show the exit of the kill, which says nothing about
 * the step, unless it exited 0.
 */
export function podExit(pods: readonly PodObject[]): { pod: string; exitCode: number } | undefined {
  for (const pod of pods) {
    if (pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed') continue;
    const exitCode = pod.status.containerStatuses?.find((c) => c.name === 'step')?.state?.terminated
      ?.exitCode;
    if (exitCode === undefined) continue;
    if (pod.metadata.deletionTimestamp !== undefined && exitCode !== 0) continue;
    return { pod: pod.metadata.name, exitCode };
  }
  return undefined;
}

/** The attempt's outcome from its container's exit alone. */
export function exitedAttempt(
  attempt: InFlightAttempt,
  exit: { pod: string; exitCode: number },
): FinishedJob {
  return {
    attempt,
    pod: exit.pod,
    observation: {
      kind: 'attemptFinished',
      step: attempt.step,
      attempt: attempt.attempt,
      exitCode: exit.exitCode,
    },
  };
}

/** The outcome of a finished Job (or of its pod's exited container), or undefined while it still runs. */
export function finishedJob(
  attempt: InFlightAttempt,
  job: JobObject,
  pods: readonly PodObject[],
): FinishedJob | undefined {
  const conditions = job.status?.conditions ?? [];
  const complete = conditions.find((c) => c.type === 'Complete' && c.status === 'True');
  const failed = conditions.find((c) => c.type === 'Failed' && c.status === 'True');
  if (!complete && !failed) {
    // The Job controller is ending the pod itself (its deadline): the kill's exit says nothing about
    // the step, and the Job's Failed condition, coming next, says why.
    const ending = conditions.some((c) => c.type === 'FailureTarget' && c.status === 'True');
    const exit = podExit(pods);
    return exit && !(ending && exit.exitCode !== 0) ? exitedAttempt(attempt, exit) : undefined;
  }
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

/** When a Job's deadline (activeDeadlineSeconds from its creation, as the Job controller counts) passes. */
export function jobDeadline(job: JobObject): number | undefined {
  const seconds = job.spec?.activeDeadlineSeconds;
  const created = Date.parse(job.metadata.creationTimestamp ?? '');
  return seconds === undefined || !Number.isFinite(created) ? undefined : created + seconds * 1000;
}

/**
 * The outcome of an attempt whose Job the controller manages (spec.managedBy), or undefined while it
 * runs: its pod's end (the kubelet's own deadline counts as a timeout, a pod failed without an exit
 * code, evicted or lost with its node, as an error), or the Job's deadline passed, which the
 * controller enforces in the Job controller's place.
 */
export function finishedOwnJob(
  attempt: InFlightAttempt,
  job: JobObject,
  pods: readonly PodObject[],
  now: number,
): FinishedJob | undefined {
  const pod = newestPod(pods);
  const terminated = pod?.status?.containerStatuses?.find((c) => c.name === 'step')?.state?.terminated;
  const exitCode = terminated?.exitCode;
  const ended = (observation: Omit<AttemptFinishedObservation, 'kind' | 'step' | 'attempt' | 'output'>) => ({
    attempt,
    ...(pod ? { pod: pod.metadata.name } : {}),
    observation: {
      kind: 'attemptFinished' as const,
      step: attempt.step,
      attempt: attempt.attempt,
      ...observation,
    },
  });
  if (pod?.status?.phase === 'Failed' && pod.status.reason === 'DeadlineExceeded')
    return ended({ exitCode: exitCode ?? null, timedOut: true });
  const deadline = jobDeadline(job);
  const podEnded = pod?.status?.phase === 'Succeeded' || pod?.status?.phase === 'Failed';
  if (!podEnded && deadline !== undefined && now >= deadline)
    return ended({ exitCode: null, timedOut: true });
  // A failure at or past the deadline is the deadline's doing: the kubelet's own (from the pod's
  // start) may kill the step before the controller's recheck, and report the kill's exit code
  // before its DeadlineExceeded reason.
  const failedAt = Date.parse(terminated?.finishedAt ?? '');
  if (
    exitCode !== undefined &&
    exitCode !== 0 &&
    deadline !== undefined &&
    (Number.isFinite(failedAt) ? failedAt : now) >= deadline
  )
    return ended({ exitCode, timedOut: true });
  const byConditions = finishedJob(attempt, job, pods);
  if (byConditions) return byConditions;
  if (
    pod?.status?.phase === 'Failed' &&
    exitCode === undefined &&
    pod.metadata.deletionTimestamp === undefined
  )
    return ended({
      exitCode: null,
      error: `pod ${pod.metadata.name} failed${pod.status.reason ? `: ${pod.status.reason}` : ''}${pod.status.message ? `: ${pod.status.message}` : ''}`,
      errorReason: 'PodFailed',
    });
  return undefined;
}
