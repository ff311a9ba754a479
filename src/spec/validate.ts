// Semantic checks that a schema cannot express: unique names, dependencies that exist and do not
// loop, budgets a step can fit in, references to breakers and actions, templates that parse and
// name things that exist.
import { parseTemplate, referencedNames, suggest } from '../template/index.ts';
import { fieldDiagnostic } from './diagnostics.ts';
import type { Diagnostic, Severity, TemplateLocator } from './diagnostics.ts';
import { dnsLabelPart } from './kubernetes-name.ts';
import type { Resources, SourceRef, Workflow } from './model.ts';
import { checkParameterValue, coerceParameter } from './parameter-value.ts';
import { formatCpu, formatMemory } from './quantity.ts';
import { BUILTIN_NAMES } from './run-context.ts';
import { findCycle } from './step-graph.ts';
import { walkSteps } from './step-walk.ts';
import { checkNestedShells } from './validate-nested-shells.ts';
import { validateObservability } from './validate-observability.ts';
import { checkSchedules } from './validate-schedules.ts';
import type { StepEntry } from './step-walk.ts';
import { templateSites } from './workflow-references.ts';

/** The warning for templates reading `.environment` that only -e can set (a run shows it only without -e). */
export const ENVIRONMENT_WITHOUT_DEFAULT = 'environment-without-default';

/** Conditions the engine raises by itself, whatever the steps declare. */
export const BUILTIN_CONDITIONS = ['step_failed', 'deployment_timeout'] as const;

export function validateWorkflow(
  workflow: Workflow,
  file?: string,
  locateTemplate?: TemplateLocator,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (
    severity: Severity,
    code: string,
    ref: SourceRef,
    message: string,
    field?: string,
  ): void => {
    out.push(fieldDiagnostic({ severity, code, message }, ref, field, file));
  };
  const entries = walkSteps(workflow);
  const byName = new Map<string, StepEntry>();
  for (const entry of entries) {
    const previous = byName.get(entry.step.name);
    if (previous) {
      report(
        'error',
        'duplicate-name',
        entry.step.source,
        `step name '${entry.step.name}' is already used at ${previous.step.source.path}` +
          (previous.step.source.line ? ` (line ${previous.step.source.line})` : ''),
      );
    } else {
      byName.set(entry.step.name, entry);
    }
  }
  const byKubernetesName = new Map<string, string>();
  for (const { step } of entries) {
    const k = dnsLabelPart(step.name);
    const other = byKubernetesName.get(k);
    if (other !== undefined && other !== step.name) {
      report(
        'error',
        'ambiguous-name',
        step.source,
        `step names '${other}' and '${step.name}' look the same in Kubernetes names ('${k}'); rename one`,
      );
    } else {
      byKubernetesName.set(k, step.name);
    }
  }
  checkDependencies(entries, byName, report, locateTemplate);
  const cycle = findCycle(workflow.steps);
  if (cycle) {
    const first = byName.get(cycle[0] as string);
    report(
      'error',
      'dependency-cycle',
      first?.step.source ?? { path: 'steps' },
      `dependency cycle: ${[...cycle, cycle[0]].join(' -> ')}`,
    );
  }
  checkBudgets(workflow, entries, report);
  checkReferences(workflow, entries, report);
  checkParameters(workflow, report);
  checkSchedules(workflow, report);
  checkTemplates(workflow, file, locateTemplate, out);
  out.push(...checkNestedShells(workflow, file, locateTemplate));
  out.push(...validateObservability(workflow, file, locateTemplate));
  return out;
}

type Report = (severity: Severity, code: string, ref: SourceRef, message: string, field?: string) => void;

function checkDependencies(
  entries: readonly StepEntry[],
  byName: Map<string, StepEntry>,
  report: Report,
  locate: TemplateLocator | undefined,
): void {
  const mainNames = entries.filter((e) => e.list === 'steps').map((e) => e.step.name);
  for (const { step, list, ancestors } of entries) {
    if (step.kind === 'group' && step.steps.length === 0) {
      report('warning', 'empty-group', step.source, `group '${step.name}' has no steps and does nothing`);
    }
    if (step.dependsOn.length === 0) continue;
    if (list !== 'steps') {
      report(
        'error',
        'depends-on-outside-steps',
        step.source,
        'depends_on is only allowed in the main steps',
        'depends_on',
      );
      continue;
    }
    for (const [k, target] of step.dependsOn.entries()) {
      // Findings about one entry point at that entry, not at its step (looked up only for a finding:
      // a large workflow has thousands of entries).
      const entry = (): SourceRef => ({ ...step.source, ...locate?.(step.source, `depends_on[${k}]`, 0) });
      const found = byName.get(target);
      if (!found || found.list !== 'steps') {
        const hint = suggest(target, mainNames);
        report(
          'error',
          'unknown-dependency',
          entry(),
          `unknown step '${target}'${hint ? ` (did you mean '${hint}'?)` : ''}`,
          'depends_on',
        );
      } else if (target === step.name) {
        report('error', 'self-dependency', entry(), `step '${step.name}' depends on itself`, 'depends_on');
      } else if (ancestors.includes(target)) {
        report(
          'error',
          'dependency-on-ancestor',
          entry(),
          `'${target}' contains this step; a step cannot depend on its own group`,
          'depends_on',
        );
      } else if (found.ancestors.includes(step.name)) {
        report(
          'error',
          'dependency-on-descendant',
          entry(),
          `'${target}' is inside this group; a group cannot depend on its own step`,
          'depends_on',
        );
      }
    }
  }
}

function checkBudgets(workflow: Workflow, entries: readonly StepEntry[], report: Report): void {
  const limits = workflow.resourceLimits;
  const groups = new Map(entries.filter((e) => e.step.kind === 'group').map((e) => [e.step.name, e.step]));
  for (const { step, ancestors } of entries) {
    const need = step.resources;
    if (!need || step.kind === 'group') continue;
    const budgets: { owner: string; budget: Resources }[] = [];
    if (limits)
      budgets.push({
        owner: 'resource_limits',
        budget: { cpuMillis: limits.cpuMillis, memoryBytes: limits.memoryBytes },
      });
    for (const name of ancestors) {
      const budget = groups.get(name)?.resourceRequirements;
      if (budget) budgets.push({ owner: `group '${name}'`, budget });
    }
    for (const { owner, budget } of budgets) {
      if (
        need.cpuMillis !== undefined &&
        budget.cpuMillis !== undefined &&
        need.cpuMillis > budget.cpuMillis
      ) {
        report(
          'error',
          'exceeds-budget',
          step.source,
          `needs ${formatCpu(need.cpuMillis)} CPU but ${owner} allows ${formatCpu(budget.cpuMillis)}: it could never start`,
          'resources.cpu',
        );
      }
      if (
        need.memoryBytes !== undefined &&
        budget.memoryBytes !== undefined &&
        need.memoryBytes > budget.memoryBytes
      ) {
        report(
          'error',
          'exceeds-budget',
          step.source,
          `needs ${formatMemory(need.memoryBytes)} memory but ${owner} allows ${formatMemory(budget.memoryBytes)}: it could never start`,
          'resources.memory',
        );
      }
    }
  }
}

function checkReferences(workflow: Workflow, entries: readonly StepEntry[], report: Report): void {
  const breakerNames = Object.keys(workflow.circuitBreakers);
  const raisable = new Set<string>(BUILTIN_CONDITIONS);
  for (const { step } of entries) if (step.raises) raisable.add(step.raises);
  const actionNames = new Set(workflow.actions.map((a) => a.name));
  const outputs = new Set(
    entries.map((e) => e.step.captureOutput).filter((o): o is string => o !== undefined),
  );
  for (const { step } of entries) {
    if (step.circuitBreaker && !workflow.circuitBreakers[step.circuitBreaker]) {
      const hint = suggest(step.circuitBreaker, breakerNames);
      report(
        'error',
        'unknown-circuit-breaker',
        step.source,
        `unknown circuit breaker '${step.circuitBreaker}'${hint ? ` (did you mean '${hint}'?)` : ''}`,
        'circuit_breaker',
      );
    }
    if (step.captureOutput && outputs.has(step.captureOutput)) outputs.delete(step.captureOutput);
    else if (step.captureOutput) {
      report(
        'error',
        'duplicate-output',
        step.source,
        `output '${step.captureOutput}' is captured by another step too`,
        'capture_output',
      );
    }
  }
  const unraisable = (names: readonly string[], ref: SourceRef, field: string): void => {
    for (const name of names) {
      if (!raisable.has(name)) {
        report(
          'warning',
          'unraisable-condition',
          ref,
          `condition '${name}' is never raised: no step declares 'raises: ${name}'`,
          field,
        );
      }
    }
  };
  if (workflow.rollback) unraisable(workflow.rollback.conditions, { path: 'rollback' }, 'conditions');
  for (const strategy of workflow.recovery?.strategies ?? []) {
    unraisable(strategy.conditions, strategy.source, 'conditions');
    for (const action of strategy.actions) {
      if (!actionNames.has(action)) {
        report(
          'warning',
          'undefined-action',
          strategy.source,
          `action '${action}' is not defined under recovery.actions or actions; it fails if triggered`,
          'actions',
        );
      }
    }
  }
  for (const breaker of Object.values(workflow.circuitBreakers)) {
    for (const action of breaker.fallback) {
      if (!actionNames.has(action)) {
        report(
          'warning',
          'undefined-action',
          breaker.source,
          `fallback action '${action}' is not defined under actions; it fails if triggered`,
          'fallback',
        );
      }
    }
  }
}

function checkParameters(workflow: Workflow, report: Report): void {
  const seen = new Set<string>();
  for (const param of workflow.parameters) {
    if (seen.has(param.name))
      report('error', 'duplicate-parameter', param.source, `parameter '${param.name}' is declared twice`);
    seen.add(param.name);
    if (
      BUILTIN_NAMES.includes(param.name as (typeof BUILTIN_NAMES)[number]) &&
      param.name !== 'environment'
    ) {
      report(
        'error',
        'reserved-name',
        param.source,
        `'${param.name}' is a built-in name and cannot be a parameter`,
      );
    }
    if (param.validation?.pattern !== undefined) {
      try {
        new RegExp(param.validation.pattern, 'u');
      } catch (error) {
        report(
          'error',
          'invalid-pattern',
          param.source,
          `invalid regular expression: ${(error as Error).message}`,
          'validation.pattern',
        );
      }
    }
    if (param.default === undefined) continue;
    const coerced = coerceParameter(param, param.default);
    if (!coerced.ok) {
      report(
        'error',
        'invalid-default',
        param.source,
        `default ${coerced.message} (type ${param.type})`,
        'default',
      );
      continue;
    }
    for (const problem of checkParameterValue(param, coerced.value)) {
      report('error', 'invalid-default', param.source, `default ${problem}`, 'default');
    }
  }
}

function checkTemplates(
  workflow: Workflow,
  file: string | undefined,
  locateTemplate: TemplateLocator | undefined,
  out: Diagnostic[],
): void {
  const known = new Set<string>([
    ...BUILTIN_NAMES,
    ...workflow.parameters.map((p) => p.name),
    ...workflow.variables.map((v) => v.name),
    ...workflow.conditions.map((c) => c.name),
  ]);
  const environmentParam = workflow.parameters.find((p) => p.name === 'environment');
  let environmentWarned = environmentParam?.default !== undefined && environmentParam.default !== '';
  for (const { source, ref, field } of templateSites(workflow)) {
    const parsed = parseTemplate(source);
    const at = (offset: number) => locateTemplate?.(ref, field, offset);
    if ('error' in parsed) {
      const finding = { severity: 'error', code: 'template-syntax', message: parsed.error.message } as const;
      out.push(fieldDiagnostic(finding, ref, field, file, at(parsed.error.offset)));
      continue;
    }
    for (const name of referencedNames(parsed.template)) {
      if (name === 'environment' && !environmentWarned) {
        // Said once, where it is first read: a run refuses to start without an environment.
        environmentWarned = true;
        const finding = {
          severity: 'warning',
          code: ENVIRONMENT_WITHOUT_DEFAULT,
          message:
            "'.environment' has no default: a run needs -e ENV (declare a parameter 'environment' with a default to run without it)",
        } as const;
        out.push(fieldDiagnostic(finding, ref, field, file, at(Math.max(0, source.indexOf('.environment')))));
      }
      if (known.has(name)) continue;
      const hint = suggest(name, [...known]);
      const offset = Math.max(0, source.indexOf(`.${name}`));
      // A near miss of a known name is a typo; any other name is an input the workflow did not
      // declare (the seed does this), which --set can still give.
      const finding = hint
        ? ({
            severity: 'error',
            code: 'unknown-template-name',
            message: `unknown name '.${name}' (did you mean '.${hint}'?)`,
          } as const)
        : ({
            severity: 'warning',
            code: 'undeclared-name',
            message: `'.${name}' is not a declared parameter, variable or condition; it is empty unless given with --set ${name}=…`,
          } as const);
      out.push(fieldDiagnostic(finding, ref, field, file, at(offset)));
    }
  }
}
