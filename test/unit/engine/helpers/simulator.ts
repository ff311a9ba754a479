// A fake executor for engine tests: runs `decide` in a loop on fake time, finishing each attempt
// after a scripted duration with a scripted exit code, and records what happened when.
import { performance } from 'node:perf_hooks';
import { decide } from '../../../../src/engine/decide.ts';
import { MinHeap } from '../../../../src/engine/heap.ts';
import { isRunFinished } from '../../../../src/engine/state.ts';
import type {
  Action,
  AttemptPurpose,
  Observation,
  Plan,
  RequestApprovalAction,
  RunState,
  StartAttemptAction,
} from '../../../../src/engine/types.ts';

export interface Outcome {
  readonly exit?: number | null;
  readonly durationMs?: number;
  readonly output?: string;
  readonly outputTruncated?: boolean;
  readonly timedOut?: boolean;
  readonly error?: string;
}

/** Per step: one outcome for every start, a list (one per start of that step, the last repeats), or a function. */
export type Script = Readonly<
  Record<string, Outcome | readonly Outcome[] | ((start: StartAttemptAction, nth: number) => Outcome)>
>;

export interface Timed {
  readonly at: number;
  readonly observation: Observation;
}

export interface SimOptions {
  readonly start?: number;
  readonly script?: Script;
  readonly defaultDurationMs?: number;
  /** How long an attempt takes to stop after a cancel action. */
  readonly cancelDelayMs?: number;
  /** Observations delivered at given times (approvals, cancel, rollback requests…). */
  readonly inject?: readonly Timed[];
  /** Answers approval requests: return observations to deliver (at request time + delayMs). */
  readonly onApproval?: (request: RequestApprovalAction, now: number) => readonly Timed[];
  /** Serialises the state between calls, so every call rebuilds the engine's indexes. */
  readonly roundTrip?: boolean;
  /** Calls decide a second time with nothing new and fails if it starts or cancels anything. */
  readonly checkIdempotent?: boolean;
  /** Called after every decide with the state and what is running. */
  readonly check?: (state: RunState, running: ReadonlyMap<string, RunningAttempt>, now: number) => void;
  readonly maxCalls?: number;
}

export interface RunningAttempt {
  readonly action: StartAttemptAction;
  readonly startedAt: number;
  cancelled: boolean;
}

export interface AttemptLog {
  readonly id: string;
  readonly step: string;
  readonly attempt: number;
  readonly purpose: AttemptPurpose;
  readonly command?: string;
  readonly start: number;
  end?: number;
  exit?: number | null;
  cancelled?: boolean;
}

export interface SimResult {
  readonly state: RunState;
  readonly attempts: AttemptLog[];
  readonly actions: { at: number; action: Action }[];
  readonly decideCalls: number;
  readonly engineMs: number;
  readonly end: number;
  /** Steps in the order their attempts started (`purpose` filter optional). */
  order(purpose?: AttemptPurpose): string[];
  /** Events of the given type, as messages. */
  events(type?: string): string[];
  startsOf(step: string): AttemptLog[];
}

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly observation: Observation;
  /** A completion is void once its attempt was cancelled (a new one is queued). */
  readonly attemptId?: string;
  readonly token?: number;
}

export function simulate(plan: Plan, initial: RunState, options: SimOptions = {}): SimResult {
  let now = options.start ?? 0;
  let state = initial;
  let seq = 0;
  const pending = new MinHeap<Pending>((a, b) => (a.at !== b.at ? a.at < b.at : a.seq < b.seq));
  const tokens = new Map<string, number>();
  const running = new Map<string, RunningAttempt>();
  const attempts: AttemptLog[] = [];
  const byId = new Map<string, AttemptLog>();
  const startsPerStep = new Map<string, number>();
  const actions: { at: number; action: Action }[] = [];
  const push = (at: number, observation: Observation, attemptId?: string, token?: number): void => {
    pending.push({ at, seq: seq++, observation, ...(attemptId ? { attemptId, token } : {}) });
  };
  for (const t of options.inject ?? []) push(t.at, t.observation);
  let observations: Observation[] = [];
  let wake: number | undefined;
  let calls = 0;
  let engineMs = 0;
  const maxCalls = options.maxCalls ?? 1_000_000;
  for (;;) {
    if (++calls > maxCalls) throw new Error(`simulation did not settle within ${maxCalls} decide calls`);
    const input = options.roundTrip ? (JSON.parse(JSON.stringify(state)) as RunState) : state;
    const t0 = performance.now();
    const decision = decide(plan, input, observations, now);
    engineMs += performance.now() - t0;
    state = decision.state;
    observations = [];
    wake = undefined;
    for (const action of decision.actions) {
      actions.push({ at: now, action });
      switch (action.kind) {
        case 'startAttempt': {
          if (byId.has(action.attemptId)) throw new Error(`attempt ${action.attemptId} started twice`);
          const nth = startsPerStep.get(action.step) ?? 0;
          startsPerStep.set(action.step, nth + 1);
          const outcome = pick(options.script?.[action.step], action, nth);
          const log: AttemptLog = {
            id: action.attemptId,
            step: action.step,
            attempt: action.attempt,
            purpose: action.purpose,
            start: now,
            ...(action.command !== undefined ? { command: action.command } : {}),
          };
          attempts.push(log);
          byId.set(action.attemptId, log);
          running.set(action.attemptId, { action, startedAt: now, cancelled: false });
          const token = (tokens.get(action.attemptId) ?? 0) + 1;
          tokens.set(action.attemptId, token);
          push(
            now + (outcome.durationMs ?? options.defaultDurationMs ?? 10),
            finished(action, outcome),
            action.attemptId,
            token,
          );
          break;
        }
        case 'cancelAttempt': {
          const r = running.get(action.attemptId);
          if (!r || r.cancelled) break;
          r.cancelled = true;
          const token = (tokens.get(action.attemptId) ?? 0) + 1;
          tokens.set(action.attemptId, token);
          const obs: Observation = {
            kind: 'attemptFinished',
            step: action.step,
            attempt: action.attempt,
            exitCode: null,
          };
          push(now + (options.cancelDelayMs ?? 0), obs, action.attemptId, token);
          break;
        }
        case 'wakeAt':
          wake = action.at;
          break;
        case 'requestApproval':
          for (const t of options.onApproval?.(action, now) ?? []) push(t.at, t.observation);
          break;
        default:
          break;
      }
    }
    if (options.checkIdempotent) {
      const again = decide(plan, state, [], now);
      const repeated = again.actions.filter((a) => a.kind === 'startAttempt' || a.kind === 'cancelAttempt');
      if (repeated.length > 0) throw new Error(`decide repeated ${repeated.length} start/cancel actions`);
      state = again.state;
    }
    options.check?.(state, running, now);
    // Drop void completions from the head so that they do not hold time.
    while (pending.size > 0 && isVoid(pending.peek() as Pending, tokens)) pending.pop();
    const nextPending = pending.peek()?.at;
    const candidates = [nextPending, wake].filter((t): t is number => t !== undefined);
    if (candidates.length === 0) break;
    if (isRunFinished(state) && nextPending === undefined) break;
    now = Math.max(now, Math.min(...candidates));
    while (pending.size > 0 && (pending.peek() as Pending).at <= now) {
      const p = pending.pop() as Pending;
      if (isVoid(p, tokens)) continue;
      if (p.attemptId !== undefined) {
        running.delete(p.attemptId);
        const log = byId.get(p.attemptId) as AttemptLog;
        log.end = now;
        const o = p.observation as Extract<Observation, { kind: 'attemptFinished' }>;
        log.exit = o.exitCode;
        if (o.exitCode === null && !o.timedOut && !o.error) log.cancelled = true;
      }
      observations.push(p.observation);
    }
  }
  return {
    state,
    attempts,
    actions,
    decideCalls: calls,
    engineMs,
    end: now,
    order: (purpose) =>
      attempts.filter((a) => purpose === undefined || a.purpose === purpose).map((a) => a.step),
    events: (type) =>
      actions.flatMap(({ action }) =>
        action.kind === 'event' && (type === undefined || action.type === type) ? [action.message] : [],
      ),
    startsOf: (stepName) => attempts.filter((a) => a.step === stepName),
  };
}

function isVoid(p: Pending, tokens: ReadonlyMap<string, number>): boolean {
  return p.attemptId !== undefined && tokens.get(p.attemptId) !== p.token;
}

function pick(
  entry: Outcome | readonly Outcome[] | ((start: StartAttemptAction, nth: number) => Outcome) | undefined,
  action: StartAttemptAction,
  nth: number,
): Outcome {
  if (entry === undefined) return {};
  if (typeof entry === 'function') return entry(action, nth);
  if (Array.isArray(entry)) return (entry[Math.min(nth, entry.length - 1)] ?? {}) as Outcome;
  return entry as Outcome;
}

function finished(action: StartAttemptAction, outcome: Outcome): Observation {
  return {
    kind: 'attemptFinished',
    step: action.step,
    attempt: action.attempt,
    exitCode: outcome.exit === undefined ? 0 : outcome.exit,
    ...(outcome.timedOut ? { timedOut: true } : {}),
    ...(outcome.output !== undefined ? { output: outcome.output } : {}),
    ...(outcome.outputTruncated ? { outputTruncated: true } : {}),
    ...(outcome.error !== undefined ? { error: outcome.error } : {}),
  };
}
