// The scheduler: takes ready leaves by priority then document order and starts each one whose
// limits and budgets have room; the others wait, parked on the scope that blocked them.
import { launch, renderAttempt } from './attempts.ts';
import { blockingScope, describeScope, FITS, isSaturated, isScopeIdle, park } from './budgets.ts';
import { claimBreaker, mustFallBack, startFallback } from './breakers.ts';
import { failStep } from './failure.ts';
import type { Work } from './work.ts';

export function schedule(w: Work): void {
  if (w.d.stage !== 'steps' || w.d.stop) return;
  const ix = w.ix;
  while (ix.ready.size > 0 && !isSaturated(w)) {
    const i = ix.ready.pop() as number;
    if (w.step(i).phase !== 'Waiting') continue;
    if (mustFallBack(w, i)) {
      startFallback(w, i);
      continue;
    }
    const scope = blockingScope(w, i);
    if (scope !== FITS) {
      if (isScopeIdle(ix, scope)) {
        const message = `it needs more than ${describeScope(w, scope)} allows, even with nothing else running`;
        failStep(w, i, 'ResourceBudgetExceeded', message);
      } else {
        park(ix, scope, i);
      }
      continue;
    }
    startMainAttempt(w, i);
  }
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
