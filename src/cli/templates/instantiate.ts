// A new workflow from a template: the template's own text with `name` replaced and the given
// values written as the defaults of their parameters, checked against each parameter's type and
// validation first, and the result validated as a whole before anyone writes it.
import type { Diagnostic } from '../../spec/diagnostics.ts';
import { loadWorkflow } from '../../spec/load.ts';
import type { Parameter, Workflow } from '../../spec/model.ts';
import { checkParameterValue, coerceParameter } from '../../spec/parameter-value.ts';
import type { ParameterInput } from './parameter-inputs.ts';
import {
  findParameterNode,
  parseWorkflowDocument,
  setScalar,
  setWorkflowName,
  stringifyWorkflow,
} from './workflow-document.ts';

export interface TemplateSource {
  readonly name: string;
  /** Where the template file is, for positions in messages. */
  readonly file: string;
  readonly text: string;
  readonly workflow: Workflow;
}

export interface AppliedValue {
  readonly name: string;
  readonly value: unknown;
  /** True when the value came from the command line, false when it is the template's default. */
  readonly given: boolean;
}

export type InstantiateResult =
  | { ok: true; text: string; workflow: Workflow; values: AppliedValue[] }
  | { ok: false; problems: string[]; diagnostics: readonly Diagnostic[] };

export function instantiateTemplate(
  template: TemplateSource,
  name: string,
  inputs: readonly ParameterInput[],
  outputFile: string,
): InstantiateResult {
  const problems: string[] = [];
  const coerced = new Map<string, unknown>();
  for (const input of inputs) {
    const param = template.workflow.parameters.find((p) => p.name === input.name);
    if (!param) throw new Error(`input for undeclared parameter ${input.name}`);
    const value = coerceParameter(param, input.value);
    const where = `parameter '${param.name}' (${declaredAt(template.file, param)})`;
    if (!value.ok) {
      problems.push(`${input.origin}: ${where}: ${value.message}`);
      continue;
    }
    for (const problem of checkParameterValue(param, value.value))
      problems.push(`${input.origin}: ${where}: ${problem}`);
    coerced.set(param.name, value.value);
  }
  if (problems.length > 0) return { ok: false, problems, diagnostics: [] };

  const doc = parseWorkflowDocument(template.text);
  setWorkflowName(doc, name);
  for (const [param, value] of coerced) {
    const node = findParameterNode(doc, param);
    if (!node) throw new Error(`parameter ${param} is in the model but not in the document`);
    setScalar(doc, node, 'default', value);
  }
  const origin = ` Created from the ${template.name} template by conveyor create.`;
  doc.commentBefore = doc.commentBefore ? `${origin}\n${doc.commentBefore}` : origin;
  const text = stringifyWorkflow(doc);
  const loaded = loadWorkflow(text, outputFile);
  if (!loaded.workflow) {
    return { ok: false, problems: ['the new workflow would not be valid'], diagnostics: loaded.diagnostics };
  }
  const values = loaded.workflow.parameters.map((p) => ({
    name: p.name,
    value: p.default,
    given: coerced.has(p.name),
  }));
  return { ok: true, text, workflow: loaded.workflow, values };
}

function declaredAt(file: string, param: Parameter): string {
  const short = file.split('/').pop() ?? file;
  return param.source.line ? `${short}:${param.source.line}:${param.source.column ?? 1}` : short;
}
