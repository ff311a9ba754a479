// The scheduler: takes ready leaves by priority then document order and starts each one whose
// limits and budgets have room; the others wait, parked on the scope that blocked them.
import { launch, renderAttempt } from './attempts.ts';
import { blockingScope, describeScope, FITS, isSaturated, isScopeIdle, park } from './budgets.ts';
import { claimBreaker, mustFallBack, startFallback } from './breakers.ts';
import { failStep } from './failure.ts';
import type { Work } from './work.ts';

/** Main steps start only in the main stage of a run that is not stopping. */
export function mayStartSteps(w: Work): boolean {
  return w.d.stage === 'steps' && !w.d.stop;
}

/**
 * Takes the next ready leaf and starts it, or runs its fallback, fails it or parks it; false when
 * nothing is ready or the limits are full. The caller checks `mayStartSteps` once before a round.
 */
export function scheduleNext(w: Work): boolean {
  const ix = w.ix;
  if (ix.ready.size === 0 || isSaturated(w)) return false;
  const i = ix.ready.pop() as number;
  if (w.step(i).phase !== 'Waiting') return true;
  if (mustFallBack(w, i)) {
    startFallback(w, i);
    return true;
  }
  const scope = blockingScope(w, i);
  if (scope !== FITS) {
    if (isScopeIdle(ix, scope)) {
      const message = `it needs more than ${describeScope(w, scope)} allows, even with nothing else running`;
      failStep(w, i, 'ResourceBudgetExceeded', message);
    } else {
      park(ix, scope, i);
    }
    return true;
  }
  startMainAttempt(w, i);
  return true;
}

function startMainAttempt(w: Work, i: number): void {
  const rendered = renderAttempt(w, i, 'main');
  if (!rendered.ok) {
    // Rendering is deterministic: another try would fail the same way, so no retry.
    failStep(w, i, 'RenderError', rendered.message);
    return;
  }
  claimBreaker(w, i);
  launch(w, i, 'main', rendered.value);
}
