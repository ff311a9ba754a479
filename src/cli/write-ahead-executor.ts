// The executor a local run drives: the process executor behind a gate that starts an attempt only
// once the journal lines announcing it are on disk (run-journal.ts's group commit), so a process
// never exists that the journal could forget. Cancels and kills wait behind the starts queued
// before them, so that they reach the processes in the order the engine asked for them.
import type { CancelAttemptAction, StartAttemptAction } from '../engine/types.ts';
import type { StepExecutor } from '../executors/executor.ts';

export interface KillableExecutor extends StepExecutor {
  /** Kills every running attempt's process group at once. */
  killAll(): void;
}

/** Runs its argument once everything written to the journal so far is durable. */
export type AfterDurable = (then: () => void) => void;

export class WriteAheadExecutor implements KillableExecutor {
  constructor(
    private readonly inner: KillableExecutor,
    private readonly afterDurable: AfterDurable,
  ) {}

  start(action: StartAttemptAction): void {
    this.afterDurable(() => this.inner.start(action));
  }

  cancel(action: CancelAttemptAction): void {
    this.afterDurable(() => this.inner.cancel(action));
  }

  /** Kills what runs now, and what was asked to start before this once it has started. */
  killAll(): void {
    this.inner.killAll();
    this.afterDurable(() => this.inner.killAll());
  }

  /** Lets the queued starts go first (the engine counts them as running), then closes. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.afterDurable(resolve));
    await this.inner.close();
  }
}
