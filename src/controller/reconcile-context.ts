// What one reconcile of a run works with, and what each of its steps returns (reconcile-run.ts runs
// them in order: load or start, observe, decide, act, summarise, write). Steps never build status:
// they return these results, and run-status.ts alone turns them into WorkflowRun.status.
import type { JobDefaults } from '../executors/kubernetes/job-manifest.ts';
import type { Action, Observation, Plan, RunState } from '../engine/types.ts';
import type { AttemptWait } from './attempt-waits.ts';
import type { EventVolume } from './event-volume.ts';
import type { InFlightAttempt } from './job-observations.ts';
import type { RunApi } from './run-api.ts';
import type { RunObserver } from './run-observer.ts';

export interface ReconcileContext {
  readonly api: RunApi;
  readonly now: () => number;
  readonly jobDefaults: JobDefaults;
  /**
   * Plans of unfinished runs by uid: building one is the costliest part of a reconcile, and runs are
   * pinned. A run's plan is released when it finishes.
   */
  readonly plans: Map<string, Plan>;
  /** Which engine events become Kubernetes Events (event-volume.ts); notable by default. */
  readonly eventVolume?: EventVolume;
  /** Alerts, notifications and custom metrics of the run (run-observer.ts); optional. */
  readonly observer?: RunObserver;
}

export interface ReconcileOutcome {
  /** Reconcile again after this many ms (a timer of the engine, or a wait). */
  readonly requeueAfterMs?: number;
  readonly phase?: string;
  /** The engine actions carried out, for metrics. */
  readonly actions: readonly Action[];
  /** The run finished in this reconcile. */
  readonly finished?: { readonly state: RunState; readonly workflow: string };
}

/** Loading: the run's plan and engine state, as pinned and recorded. */
export interface Loaded {
  readonly plan: Plan;
  readonly state: RunState;
  readonly pinned: string;
  /** The digest of the pinned workflow, recorded when the run started (verify-pin.ts). */
  readonly pinnedDigest?: string;
  readonly workflow: string;
}

/**
 * What keeps the controller from running a run at all. `blocked`: it cannot go on (it fails);
 * `stalled`: it stops where it is (its phase stays) and nothing more starts; `waiting`: something
 * outside it must change first (it is looked at again after a while).
 */
export interface RunProblem {
  readonly kind: 'blocked' | 'stalled' | 'waiting';
  readonly reason: string;
  readonly message: string;
}

/** Observing: what happened since the last reconcile, for the engine, and why steps wait. */
export interface Observed {
  readonly observations: readonly Observation[];
  /** Attempts whose Job is owed (refused for now): created again under the same name. */
  readonly missing: readonly InFlightAttempt[];
  readonly waits: readonly AttemptWait[];
  /** The first reason a step waits, worth saying in the run's conditions. */
  readonly stuck?: { readonly reason: string; readonly message: string };
  /** When to look again at attempts whose Job or pod is not there yet. */
  readonly recheckAt?: number;
}

/** Acting: what carrying out the engine's actions learnt. */
export interface Acted {
  /** Jobs refused for good or owned by another run, processes that already exited. */
  readonly late: readonly Observation[];
  /** Why a Job or its pod is refused for now (a quota, a policy), in words. */
  readonly wait?: { readonly reason: string; readonly message: string };
  /** The Jobs (or their pods) refused for now, created again at the next reconcile. */
  readonly jobsOwed: readonly string[];
  /** When the first deadline of a Job whose pod was just made passes. */
  readonly recheckAt?: number;
}
