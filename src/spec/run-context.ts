// The values templates see during a run: parameters (from --set and defaults, coerced and
// checked), `.environment`, then `variables` in order, then named `conditions`, then the
// workflow's `validation` expressions. Everything that is wrong is reported, not just the first.
import { evaluateValue, isTruthy, parseTemplate } from '../template/index.ts';
import type { TemplateData } from '../template/index.ts';
import type { Workflow } from './model.ts';
import { checkParameterValue, coerceParameter } from './parameter-value.ts';
import { namesReadByTemplates } from './workflow-references.ts';
import { suggest } from '../template/did-you-mean.ts';

/** Names every template can use besides the workflow's own parameters, variables and conditions. */
export const BUILTIN_NAMES = ['environment', 'outputs', 'workflow_id', 'workflow', 'run'] as const;

export interface RunInputs {
  /** Values from --set (strings or lists of strings) or from a WorkflowRun's spec.parameters. */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** From -e/--env; overrides a parameter named `environment`. */
  readonly environment?: string;
  /** The run's id, `.workflow_id` in templates. */
  readonly runId: string;
}

export interface InputProblem {
  /** What the problem is about: `parameters.services`, `variables.namespace`, `validation.valid_environment`. */
  readonly subject: string;
  readonly message: string;
}

export type ContextResult =
  | { ok: true; context: TemplateData; parameters: Record<string, unknown> }
  | { ok: false; problems: InputProblem[] };

export function resolveRunContext(workflow: Workflow, inputs: RunInputs): ContextResult {
  const problems: InputProblem[] = [];
  const parameters: Record<string, unknown> = {};
  const declared = new Set(workflow.parameters.map((p) => p.name));
  const read = namesReadByTemplates(workflow);
  const reserved = new Set<string>([
    ...BUILTIN_NAMES,
    ...workflow.variables.map((v) => v.name),
    ...workflow.conditions.map((c) => c.name),
  ]);
  for (const name of Object.keys(inputs.parameters)) {
    if (declared.has(name) || name === 'environment') continue;
    if (read.has(name) && !reserved.has(name)) {
      // Read by a template without a declaration (the seed does this): taken as given.
      parameters[name] = inputs.parameters[name];
    } else {
      const known = [...declared].join(', ') || 'none';
      const hint = suggest(name, [...declared]);
      problems.push({
        subject: `parameters.${name}`,
        message: `unknown parameter '${name}' (${hint ? `did you mean '${hint}'? ` : ''}declared: ${known})`,
      });
    }
  }
  const setEnvironment = inputs.parameters.environment;
  if (
    inputs.environment !== undefined &&
    setEnvironment !== undefined &&
    setEnvironment !== inputs.environment
  ) {
    problems.push({
      subject: 'environment',
      message: `-e ${inputs.environment} and --set environment=${String(setEnvironment)} disagree; give one of them`,
    });
  }
  for (const param of workflow.parameters) {
    const given =
      param.name === 'environment' && inputs.environment !== undefined
        ? inputs.environment
        : inputs.parameters[param.name];
    if (given === '' && param.required) {
      problems.push({
        subject: `parameters.${param.name}`,
        message: `parameter '${param.name}' is required and cannot be empty`,
      });
      continue;
    }
    const value = given ?? param.default;
    if (value === undefined) {
      if (param.required) {
        problems.push({
          subject: `parameters.${param.name}`,
          message: `parameter '${param.name}' is required`,
        });
      }
      continue;
    }
    const coerced = coerceParameter(param, value);
    if (!coerced.ok) {
      problems.push({
        subject: `parameters.${param.name}`,
        message: `parameter '${param.name}': ${coerced.message}`,
      });
      continue;
    }
    for (const problem of checkParameterValue(param, coerced.value)) {
      problems.push({
        subject: `parameters.${param.name}`,
        message: `parameter '${param.name}': ${problem}`,
      });
    }
    parameters[param.name] = coerced.value;
  }
  const environment =
    inputs.environment ??
    (parameters.environment as string | undefined) ??
    (inputs.parameters.environment as string | undefined) ??
    '';
  // An empty `.environment` renders as '' into commands (`--env ''`): never what anyone meant.
  if (
    environment === '' &&
    read.has('environment') &&
    !problems.some((p) => p.subject.endsWith('environment'))
  ) {
    problems.push({
      subject: 'environment',
      message:
        "the workflow uses .environment, but none was given: add -e ENV (or declare a parameter 'environment' with a default)",
    });
  }
  const undeclared = Object.fromEntries(
    [...read].filter((n) => !declared.has(n) && !reserved.has(n) && !(n in parameters)).map((n) => [n, null]),
  );
  const context: TemplateData = {
    ...undeclared,
    ...parameters,
    environment,
    outputs: {},
    workflow_id: inputs.runId,
    workflow: {
      name: workflow.name,
      version: workflow.version ?? '',
      description: workflow.description ?? '',
    },
    run: { id: inputs.runId },
  };
  if (problems.length > 0) return { ok: false, problems };

  for (const variable of workflow.variables) {
    const value = evaluateDeep(variable.value, context);
    if (!value.ok) {
      problems.push({ subject: `variables.${variable.name}`, message: value.message });
      continue;
    }
    context[variable.name] = value.value;
  }
  for (const condition of workflow.conditions) {
    const value = evaluate(condition.expression, context);
    if (!value.ok) problems.push({ subject: `conditions.${condition.name}`, message: value.message });
    else context[condition.name] = isTruthy(value.value);
  }
  if (problems.length > 0) return { ok: false, problems };
  for (const check of workflow.validations) {
    const value = evaluate(check.expression, context);
    if (!value.ok) problems.push({ subject: `validation.${check.name}`, message: value.message });
    else if (!isTruthy(value.value)) {
      problems.push({
        subject: `validation.${check.name}`,
        message: check.message ?? `validation '${check.name}' failed`,
      });
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, context, parameters };
}

type Evaluated = { ok: true; value: unknown } | { ok: false; message: string };

export function evaluate(source: string, data: TemplateData): Evaluated {
  if (!source.includes('{{')) return { ok: true, value: source };
  const parsed = parseTemplate(source);
  if ('error' in parsed) return { ok: false, message: parsed.error.message };
  const result = evaluateValue(parsed.template, data, { lenient: ['outputs'] });
  return result.ok ? { ok: true, value: result.value } : { ok: false, message: result.error.message };
}

/** Variables may be lists or mappings whose strings hold templates. */
function evaluateDeep(value: unknown, data: TemplateData): Evaluated {
  if (typeof value === 'string') return evaluate(value, data);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      const r = evaluateDeep(item, data);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return { ok: true, value: out };
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = evaluateDeep(v, data);
      if (!r.ok) return r;
      out[k] = r.value;
    }
    return { ok: true, value: out };
  }
  return { ok: true, value };
}
