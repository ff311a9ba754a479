// Drives one run in this process: feeds observations to the engine, performs its actions with an
// executor, arms its wake timer, and stops when the run finishes, waits for an approval nobody here
// can give, or is cancelled. The clock and timers are injected so that tests control time.
import { decide } from '../engine/index.ts';
import type {
  Action,
  Observation,
  Plan,
  RequestApprovalAction,
  RunState,
  StartAttemptAction,
} from '../engine/types.ts';
import type { StepExecutor } from './executor.ts';

export interface Clock {
  now(): number;
  setTimer(fn: () => void, ms: number): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const t = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(t);
  },
};

/** How approvals are answered in this process: decide now, ask someone, or leave it waiting. */
export type ApprovalPolicy = (request: RequestApprovalAction) => Promise<'approved' | 'rejected' | 'wait'>;

export interface RunLoopOptions {
  readonly plan: Plan;
  readonly state: RunState;
  readonly executor: StepExecutor;
  readonly clock: Clock;
  readonly approvals: ApprovalPolicy;
  /** The user recorded on approvals given here. */
  readonly user: string;
  /** Called after every decision with the new state and what it asked for. */
  readonly onDecision?: (state: RunState, actions: readonly Action[]) => void;
  /** Observations to feed the first decision (approvals given while the run was stopped). */
  readonly initialObservations?: readonly Observation[];
  /**
   * Called after each decision that changed the state, before any of its actions is performed:
   * what is saved here is a write-ahead record, so a process that dies at any instant leaves a
   * state that knows every attempt it may have started.
   */
  readonly persist?: (state: RunState, actions: readonly Action[]) => void;
  /**
   * Called before every decision with exactly what it is given (the engine is pure, so these
   * inputs replayed on the state before them give the state after them): the journal keeps them,
   * so the full state need not be saved after every decision.
   */
  readonly record?: (observations: readonly Observation[], now: number) => void;
}

export type RunLoopEnd = 'finished' | 'awaitingApproval';

export class RunLoop {
  private state: RunState;
  private readonly inbox: Observation[] = [];
  private cancelWake?: () => void;
  private wakeAt?: number;
  private scheduled = false;
  private settle?: (end: RunLoopEnd) => void;
  private fail?: (error: unknown) => void;
  private waitingFor = 0;
  private readonly running = new Set<string>();

  constructor(private readonly options: RunLoopOptions) {
    this.state = options.state;
    this.inbox.push(...(options.initialObservations ?? []));
  }

  get current(): RunState {
    return this.state;
  }

  /** Resolves when the run is over or can go no further without an outside approval. */
  run(): Promise<RunLoopEnd> {
    return new Promise<RunLoopEnd>((resolve, reject) => {
      this.settle = resolve;
      this.fail = reject;
      this.schedule();
    });
  }

  observe(observation: Observation): void {
    if (observation.kind === 'attemptFinished')
      this.running.delete(`${observation.step}-${observation.attempt}`);
    this.inbox.push(observation);
    this.schedule();
  }

  /** Coalesces bursts of observations into one decision. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      try {
        this.tick();
      } catch (error) {
        this.cancelWake?.();
        this.fail?.(error);
      }
    });
  }

  private tick(): void {
    const observations = this.inbox.splice(0);
    const now = this.options.clock.now();
    this.options.record?.(observations, now);
    const { state, actions } = decide(this.options.plan, this.state, observations, now);
    const changed = state !== this.state;
    this.state = state;
    if (changed) this.options.persist?.(state, actions);
    let wake: number | undefined;
    for (const action of actions) {
      switch (action.kind) {
        case 'startAttempt':
          this.running.add((action as StartAttemptAction).attemptId);
          this.options.executor.start(action);
          break;
        case 'cancelAttempt':
          this.options.executor.cancel(action);
          break;
        case 'wakeAt':
          wake = action.at;
          break;
        case 'requestApproval':
          this.askApproval(action);
          break;
        default:
          break;
      }
    }
    this.options.onDecision?.(state, actions);
    this.armWake(wake);
    if (state.stage === 'done') {
      this.cancelWake?.();
      this.settle?.('finished');
      return;
    }
    if (
      state.phase === 'AwaitingApproval' &&
      this.running.size === 0 &&
      this.waitingFor === 0 &&
      this.inbox.length === 0
    ) {
      this.cancelWake?.();
      this.settle?.('awaitingApproval');
    }
  }

  private armWake(at: number | undefined): void {
    if (at === undefined || at === this.wakeAt) return;
    this.cancelWake?.();
    this.wakeAt = at;
    this.cancelWake = this.options.clock.setTimer(() => {
      this.wakeAt = undefined;
      this.schedule();
    }, at - this.options.clock.now());
  }

  private askApproval(request: RequestApprovalAction): void {
    this.waitingFor++;
    this.options.approvals(request).then(
      (answer) => {
        this.waitingFor--;
        if (answer === 'wait') {
          this.schedule();
          return;
        }
        this.observe({
          kind: 'approvalDecided',
          step: request.step,
          user: this.options.user,
          decision: answer,
          override: true,
          at: this.options.clock.now(),
        });
      },
      (error: unknown) => {
        this.waitingFor--;
        this.fail?.(error);
      },
    );
  }
}
