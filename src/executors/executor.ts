// The interface both executors implement: start a step attempt, cancel it, and report what happened
// as engine observations. The engine's actions say what; an executor only says how.
import type { CancelAttemptAction, Observation, StartAttemptAction } from '../engine/types.ts';

export interface StepExecutor {
  /** Starts the attempt unless one with the same id was already started (idempotent). */
  start(action: StartAttemptAction): void;
  /** Stops the attempt; its finished observation still arrives. */
  cancel(action: CancelAttemptAction): void;
  /** Stops everything still running and waits for it to end. */
  close(): Promise<void>;
}

export type ObservationSink = (observation: Observation) => void;
