// Time: retry delays, approval timeouts and the run deadline fire when `now` passes them; the
// earliest one still pending becomes the wake-up action. Stale timers are dropped lazily.
import { expireApproval } from './approvals.ts';
import { retryDue } from './retry.ts';
import { runTimedOut } from './stages.ts';
import type { Timer, Work } from './work.ts';

function isLive(w: Work, t: Timer): boolean {
  switch (t.kind) {
    case 'deadline':
      return (w.d.stage === 'prerequisites' || w.d.stage === 'steps') && !w.d.stop && w.d.deadline === t.at;
    case 'retry': {
      const st = w.step(t.node);
      return st.phase === 'Retrying' && st.nextAttemptAt === t.at;
    }
    case 'approval': {
      const st = w.step(t.node);
      return st.phase === 'AwaitingApproval' && w.d.approvals[st.name]?.expiresAt === t.at;
    }
  }
}

/** Fires the earliest timer that is due (a stale one does nothing); false when none is due. */
export function fireNextTimer(w: Work): boolean {
  const timers = w.ix.timers;
  const t = timers.peek();
  if (t === undefined || t.at > w.now) return false;
  timers.pop();
  if (!isLive(w, t)) return true;
  if (t.kind === 'deadline') runTimedOut(w);
  else if (t.kind === 'retry') retryDue(w, t.node);
  else expireApproval(w, t.node);
  return true;
}

export function armWake(w: Work): void {
  const timers = w.ix.timers;
  for (let t = timers.peek(); t !== undefined; t = timers.peek()) {
    if (isLive(w, t)) {
      w.emit({ kind: 'wakeAt', at: t.at });
      return;
    }
    timers.pop();
  }
}
