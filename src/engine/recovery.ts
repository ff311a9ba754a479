// Recovery strategies: when a step's final failure raises one of a strategy's conditions, its named
// actions run in order; if all succeed the step gets one more try.
import { ownerOf, startActivity } from './activities.ts';
import type { FailureInfo } from './attempts.ts';
import { failStep } from './failure.ts';
import type { Work } from './work.ts';
import type { RecoveryStrategy } from '../spec/model.ts';
import type { Activity } from './types.ts';

export function findRecovery(w: Work, conditions: readonly string[]): RecoveryStrategy | undefined {
  const recovery = w.plan.workflow.recovery;
  if (!recovery?.enabled) return undefined;
  return recovery.strategies.find((s) => s.conditions.some((c) => conditions.includes(c)));
}

export function startRecovery(w: Work, i: number, strategy: RecoveryStrategy, info: FailureInfo): void {
  const node = w.node(i);
  const items: string[] = [];
  for (const action of strategy.actions) {
    const leaves = w.plan.actions.get(action);
    if (!leaves) {
      const why = `recovery '${strategy.name}' cannot run: action '${action}' is not defined under actions`;
      failStep(w, i, info.reason, `${info.message}; ${why}`, info.timedOut);
      return;
    }
    for (const j of leaves) items.push(w.node(j).name);
  }
  w.patchStep(i, { phase: 'Retrying', reason: info.reason, message: info.message, nextAttemptAt: undefined });
  w.event(
    'recovery_started',
    'warning',
    `step '${node.name}' failed; running recovery '${strategy.name}'`,
    node.name,
  );
  startActivity(w, { purpose: 'recovery', owner: node.name, items, stopOnFailure: true });
}

/** The actions are through: all succeeded → one more try now; otherwise the step fails for good. */
export function recoveryDone(w: Work, a: Activity): void {
  const i = ownerOf(w, a);
  const st = w.step(i);
  const timedOut = st.reason === 'TimedOut';
  if (a.aborted || a.failed.length > 0 || w.d.stop) {
    const why = a.failed.length > 0 ? `; recovery action '${a.failed[0]}' failed` : '';
    failStep(w, i, st.reason ?? 'ExitCode', `${st.message ?? 'failed'}${why}`, timedOut);
    return;
  }
  w.patchStep(i, { phase: 'Waiting', extraTries: st.extraTries + 1 });
  w.ix.ready.push(i);
}
