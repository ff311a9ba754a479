// Every step of a workflow, wherever it is written (main steps, hooks, rollback, fallbacks,
// actions), with the list it belongs to and its enclosing groups.
import type { Step, Workflow } from './model.ts';

export type StepList = 'steps' | 'prerequisites' | 'hooks' | 'rollback' | 'actions' | 'fallback_steps';

export interface StepEntry {
  readonly step: Step;
  readonly list: StepList;
  /** Names of the enclosing groups, outermost first. */
  readonly ancestors: readonly string[];
}

export function walkSteps(workflow: Workflow): StepEntry[] {
  const out: StepEntry[] = [];
  const visit = (steps: readonly Step[], list: StepList, ancestors: readonly string[]): void => {
    for (const step of steps) {
      out.push({ step, list, ancestors });
      const inner = [...ancestors, step.name];
      visit(step.steps, list, inner);
      visit(step.onFailure, 'hooks', []);
      visit(step.onRetry, 'hooks', []);
      visit(step.fallbackSteps, 'fallback_steps', []);
    }
  };
  visit(workflow.prerequisites, 'prerequisites', []);
  visit(workflow.steps, 'steps', []);
  visit(workflow.onFailure, 'hooks', []);
  visit(workflow.onSuccess, 'hooks', []);
  visit(workflow.postExecution.success, 'hooks', []);
  visit(workflow.postExecution.failure, 'hooks', []);
  visit(workflow.rollback?.steps ?? [], 'rollback', []);
  visit(workflow.actions, 'actions', []);
  return out;
}
