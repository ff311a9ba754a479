// Which of the CLI's operations the run page offers on a run right now, judged as the commands
// judge them (the command still has the last word: a button runs it and shows what it says).
import type { Plan, RunState } from '../../engine/types.ts';
import { whyNoRollback } from '../rollback-check.ts';
import type { RunActions } from './run-view.ts';

const FINAL = new Set(['Succeeded', 'Failed', 'Cancelled']);

export function runActions(
  plan: Plan | undefined,
  state: RunState | undefined,
  phase: string,
  where: 'local' | 'cluster',
  undecidedApprovals: boolean,
): RunActions {
  return {
    approve: undecidedApprovals,
    // A cluster run by spec.cancel; a local run by conveyor terminate, while a process works on it.
    cancel: where === 'cluster' ? !FINAL.has(phase) : phase === 'Running',
    resume:
      where === 'cluster'
        ? phase === 'Failed'
        : ['AwaitingApproval', 'Failed', 'Cancelled', 'Interrupted'].includes(phase),
    rollback: plan !== undefined && state !== undefined && whyNoRollback(plan, state) === undefined,
    // conveyor retry takes any run: a new run of the same workflow text and parameters.
    retry: FINAL.has(phase) || phase === 'Interrupted',
  };
}
