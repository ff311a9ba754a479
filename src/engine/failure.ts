// The final failure of a main step or group: the conditions it raises, the run's reason, its
// `on_failure` hooks, and what it stops (its dependents, or the whole run under fail fast).
import { concludeGroups } from './groups.ts';
import { endSubtree } from './lifecycle.ts';
import { failNode, initiateStop, skipDependents } from './stopping.ts';
import { isTerminal } from './work.ts';
import type { Work } from './work.ts';

/** The conditions a step's final failure raises. */
export function conditionsOf(w: Work, i: number, timedOut: boolean): string[] {
  const raises = w.node(i).step.raises;
  return ['step_failed', ...(timedOut ? ['deployment_timeout'] : []), ...(raises ? [raises] : [])];
}

/**
 * What a final failure stops. `tolerated`: the step (or a group around it) declares
 * `continue_on_error`, its dependents run. `dependents`: the strategy `continue_on_error` or the run
 * option (`--continue-on-error`) works like `make -k`: whatever depends on the failed step (later
 * steps of its sequence included) is skipped as DependencyFailed, everything else goes on.
 * `run`: fail fast, the main steps stop.
 */
function failureStops(w: Work, i: number): 'tolerated' | 'dependents' | 'run' {
  if (w.node(i).continueOnError) return 'tolerated';
  if (w.d.options.continueOnError || w.plan.workflow.errorHandling.strategy === 'continue_on_error')
    return 'dependents';
  return 'run';
}

/** The final failure of a main step or group. */
export function failStep(w: Work, i: number, reason: string, message: string, timedOut = false): void {
  const node = w.node(i);
  const st = w.step(i);
  if (isTerminal(st.phase)) return;
  w.raise(...conditionsOf(w, i, timedOut));
  if (w.d.reason === undefined) {
    w.d.reason = reason === 'Rejected' ? 'Rejected' : 'StepFailed';
    w.d.message = `step '${node.name}' failed: ${message}`;
  }
  if (node.isGroup && st.phase !== 'Running') {
    for (const c of node.children) endSubtree(w, c, 'Skipped', 'GroupFailed');
  }
  failNode(w, i, reason, message);
  // The groups this failure ended conclude first: a group failing inside an atomic group stops its
  // siblings as GroupFailed before the run's stop would end them as RunFailed.
  concludeGroups(w);
  const stops = failureStops(w, i);
  if (stops === 'run') initiateStop(w, 'StepFailed', i);
  else if (stops === 'dependents') skipDependents(w, i);
}
