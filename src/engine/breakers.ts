// Circuit breakers, whose state outlives a run: consecutive failed attempts open a breaker; while it
// is open its steps run their fallback instead; after `recovery_timeout` one trial closes or re-opens it.
import { ownerOf, startActivity } from './activities.ts';
import { failStep } from './failure.ts';
import { finishNode } from './lifecycle.ts';
import { cancelReason } from './stopping.ts';
import type { Work } from './work.ts';
import type { CircuitBreaker } from '../spec/model.ts';
import type { Activity, BreakerState } from './types.ts';

const CLOSED: BreakerState = { state: 'closed', failures: 0 };

function breakerOf(w: Work, i: number): CircuitBreaker | undefined {
  const name = w.node(i).step.circuitBreaker;
  return name === undefined ? undefined : w.plan.workflow.circuitBreakers[name];
}

function stateOf(w: Work, name: string): BreakerState {
  return w.d.breakers[name] ?? CLOSED;
}

function put(w: Work, name: string, next: BreakerState): void {
  w.d.breakers = { ...w.d.breakers, [name]: next };
}

function setTrial(w: Work, name: string, step: string | undefined): void {
  const trials = { ...w.d.breakerTrials };
  if (step === undefined) delete trials[name];
  else trials[name] = step;
  w.d.breakerTrials = trials;
}

/** Must this step's next try be replaced by its fallback? (No side effects.) */
export function mustFallBack(w: Work, i: number): boolean {
  const cfg = breakerOf(w, i);
  if (!cfg) return false;
  const b = stateOf(w, cfg.name);
  if (b.state === 'closed') return false;
  if (b.state === 'open' && w.now < (b.openedAt ?? 0) + cfg.recoveryTimeoutMs) return true;
  const trial = w.d.breakerTrials[cfg.name];
  return trial !== undefined && trial !== w.node(i).name;
}

/** The step is about to try: past the recovery timeout it becomes the breaker's half-open trial. */
export function claimBreaker(w: Work, i: number): void {
  const cfg = breakerOf(w, i);
  if (!cfg) return;
  const b = stateOf(w, cfg.name);
  if (b.state === 'closed' || w.d.breakerTrials[cfg.name] !== undefined) return;
  put(w, cfg.name, { ...b, state: 'half_open' });
  setTrial(w, cfg.name, w.node(i).name);
}

export function recordBreaker(w: Work, i: number, result: 'success' | 'failure' | 'cancelled'): void {
  const cfg = breakerOf(w, i);
  if (!cfg) return;
  const name = cfg.name;
  const b = stateOf(w, name);
  const isTrial = w.d.breakerTrials[name] === w.node(i).name;
  if (isTrial) setTrial(w, name, undefined);
  if (result === 'cancelled') return;
  if (isTrial || b.state === 'half_open') {
    if (result === 'success') {
      put(w, name, CLOSED);
      w.event('breaker_closed', 'info', `circuit breaker '${name}' closed after a successful trial`);
    } else {
      put(w, name, { state: 'open', failures: b.failures + 1, openedAt: w.now });
      w.event('breaker_opened', 'warning', `circuit breaker '${name}' re-opened: its trial failed`);
    }
    return;
  }
  if (b.state !== 'closed') return;
  if (result === 'success') {
    if (b.failures !== 0) put(w, name, CLOSED);
    return;
  }
  const failures = b.failures + 1;
  if (failures >= cfg.failureThreshold) {
    put(w, name, { state: 'open', failures, openedAt: w.now });
    w.event(
      'breaker_opened',
      'warning',
      `circuit breaker '${name}' opened after ${failures} consecutive failures`,
    );
  } else {
    put(w, name, { state: 'closed', failures });
  }
}

/** Runs the step's fallback_steps, or the breaker's fallback actions, in place of the step. */
export function startFallback(w: Work, i: number): void {
  const node = w.node(i);
  const cfg = breakerOf(w, i) as CircuitBreaker;
  let items: string[] = node.fallback.map((j) => w.node(j).name);
  if (items.length === 0) {
    for (const action of cfg.fallback) {
      const leaves = w.plan.actions.get(action);
      if (!leaves) {
        const message = `circuit breaker '${cfg.name}' is open and its fallback action '${action}' is not defined`;
        failStep(w, i, 'FallbackFailed', message);
        return;
      }
      items = items.concat(leaves.map((j) => w.node(j).name));
    }
  }
  if (items.length === 0) {
    failStep(w, i, 'CircuitOpen', `circuit breaker '${cfg.name}' is open and the step has no fallback`);
    return;
  }
  w.patchStep(i, { phase: 'Running', reason: 'FallingBack', startedAt: w.step(i).startedAt ?? w.now });
  w.event(
    'step_started',
    'warning',
    `circuit breaker '${cfg.name}' is open: step '${node.name}' runs its fallback`,
    node.name,
  );
  startActivity(w, { purpose: 'fallback', owner: node.name, items, stopOnFailure: true });
}

export function fallbackDone(w: Work, a: Activity): void {
  const i = ownerOf(w, a);
  if (a.aborted) {
    finishNode(w, i, 'Cancelled', cancelReason(w));
    return;
  }
  if (a.failed.length > 0) {
    failStep(w, i, 'FallbackFailed', `its fallback step '${a.failed[0]}' failed`);
    return;
  }
  w.d.degraded = true;
  finishNode(w, i, 'FellBack', 'CircuitOpen', 'the circuit breaker was open; the fallback succeeded');
}
