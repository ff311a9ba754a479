// What a run would do, without running it: every step's rendered command and whether its `when`
// holds, or that it is decided at run time because it looks at outputs of earlier steps.
import {
  evaluateValue,
  isTruthy,
  parseTemplate,
  referencedNames,
  renderTemplate,
} from '../template/index.ts';
import type { TemplateData } from '../template/index.ts';
import type { Step, Workflow } from '../spec/model.ts';

export type WhenVerdict = 'always' | 'true' | 'false' | 'runtime' | { error: string };

export interface ExplainedStep {
  readonly name: string;
  readonly depth: number;
  readonly kind: Step['kind'];
  readonly section: string;
  readonly when: WhenVerdict;
  readonly rendered?: string;
  readonly renderError?: string;
  readonly parallel?: boolean;
  readonly dependsOn: readonly string[];
}

export function explainWorkflow(workflow: Workflow, context: TemplateData): ExplainedStep[] {
  const out: ExplainedStep[] = [];
  const visit = (steps: readonly Step[], section: string, depth: number, parentSkipped: boolean): void => {
    for (const step of steps) {
      const when = parentSkipped ? 'false' : judgeWhen(step.when, context);
      const body = step.command ?? step.script;
      const rendered = body === undefined ? undefined : renderBody(body, context);
      out.push({
        name: step.name,
        depth,
        kind: step.kind,
        section,
        when,
        parallel: step.kind === 'group' ? step.parallel : undefined,
        dependsOn: step.dependsOn,
        ...(rendered && 'value' in rendered ? { rendered: rendered.value } : {}),
        ...(rendered && 'error' in rendered ? { renderError: rendered.error } : {}),
      });
      visit(step.steps, section, depth + 1, when === 'false');
    }
  };
  visit(workflow.prerequisites, 'prerequisites', 0, false);
  visit(workflow.steps, 'steps', 0, false);
  visit(workflow.onSuccess, 'on_success', 0, false);
  visit(workflow.onFailure, 'on_failure', 0, false);
  visit(workflow.rollback?.steps ?? [], 'rollback', 0, false);
  visit(workflow.postExecution.success, 'post_execution.success', 0, false);
  visit(workflow.postExecution.failure, 'post_execution.failure', 0, false);
  return out;
}

function judgeWhen(source: string | undefined, context: TemplateData): WhenVerdict {
  if (source === undefined) return 'always';
  const parsed = parseTemplate(source);
  if ('error' in parsed) return { error: parsed.error.message };
  if (referencedNames(parsed.template).has('outputs')) return 'runtime';
  const value = evaluateValue(parsed.template, context, { lenient: ['outputs'] });
  if (!value.ok) return { error: value.error.message };
  return isTruthy(value.value) ? 'true' : 'false';
}

export function renderBody(source: string, context: TemplateData): { value: string } | { error: string } {
  const parsed = parseTemplate(source);
  if ('error' in parsed) return { error: parsed.error.message };
  const r = renderTemplate(parsed.template, context, { mode: 'shell', lenient: ['outputs'] });
  return r.ok ? { value: r.value } : { error: r.error.message };
}
