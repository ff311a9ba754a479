// Every template of a workflow, with where it is written, and the top-level names they read. Used
// to check names at validation and to accept inputs for names a workflow reads without declaring.
import { parseTemplate, referencedNames } from '../template/index.ts';
import type { SourceRef, Workflow } from './model.ts';
import { walkSteps } from './step-walk.ts';

export interface TemplateSite {
  readonly source: string;
  readonly ref: SourceRef;
  /** The field under `ref` (`command`, `when`, `env.X`), empty when `ref` is the template itself. */
  readonly field: string;
}

export function templateSites(workflow: Workflow): TemplateSite[] {
  const sites: TemplateSite[] = [];
  const add = (source: string | undefined, ref: SourceRef, field: string): void => {
    if (source !== undefined && source.includes('{{')) sites.push({ source, ref, field });
  };
  for (const { step } of walkSteps(workflow)) {
    add(step.command, step.source, 'command');
    add(step.script, step.source, 'script');
    add(step.when, step.source, step.whenKey ?? 'when');
    add(step.rollbackCommand, step.source, 'rollback');
    for (const [key, value] of Object.entries(step.env)) add(value, step.source, `env.${key}`);
    for (const [key, value] of Object.entries(step.metrics?.customLabels ?? {}))
      add(value, step.source, `metrics.custom_labels.${key}`);
  }
  for (const variable of workflow.variables) {
    if (typeof variable.value === 'string') add(variable.value, variable.source, '');
  }
  for (const expr of [...workflow.conditions, ...workflow.validations]) add(expr.expression, expr.source, '');
  return sites;
}

/** The top-level names (`.x` → `x`) that any template of the workflow reads. */
export function namesReadByTemplates(workflow: Workflow): Set<string> {
  const names = new Set<string>();
  for (const site of templateSites(workflow)) {
    const parsed = parseTemplate(site.source);
    if ('template' in parsed) for (const n of referencedNames(parsed.template)) names.add(n);
  }
  return names;
}
