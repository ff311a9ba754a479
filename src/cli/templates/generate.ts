// `template generate`: a workflow becomes a template. Literals that recur in its commands, scripts
// and rollback commands become parameters (with the literal as default) and their places become
// `{{ .name }}`. A replacement is kept only where the rewritten field renders exactly as before, so
// the template with its defaults runs the very commands the workflow ran.
import type { Diagnostic } from '../../spec/diagnostics.ts';
import { formatPath } from '../../spec/field-path.ts';
import { loadWorkflow } from '../../spec/load.ts';
import type { Workflow } from '../../spec/model.ts';
import { BUILTIN_NAMES } from '../../spec/run-context.ts';
import { namesReadByTemplates } from '../../spec/workflow-references.ts';
import { nextCandidate } from './literal-selection.ts';
import type { Candidate, FieldSpot } from './literal-selection.ts';
import { literalSpots } from './literal-spots.ts';
import { parameterName, parameterType } from './parameter-naming.ts';
import { renderingComparer } from './render-check.ts';
import type { SameRendering } from './render-check.ts';
import { shellFields } from './shell-fields.ts';
import type { ShellField } from './shell-fields.ts';
import {
  appendParameters,
  parseWorkflowDocument,
  setWorkflowName,
  stringifyWorkflow,
  workflowBody,
} from './workflow-document.ts';

export interface GenerateOptions {
  /** The template's name (its `name:`). */
  readonly name: string;
  /** A literal needs this many counted places to become a parameter. */
  readonly minOccurrences: number;
  /** Where the result will be written, for the positions of its diagnostics. */
  readonly outputFile: string;
}

export interface GeneratedParameter {
  readonly name: string;
  readonly literal: string;
  readonly type: 'string' | 'integer';
  readonly default: string | number;
  /** How many places now read the parameter. */
  readonly occurrences: number;
  /** The fields that read it, as paths (`steps[1].command`). */
  readonly fields: readonly string[];
}

export type GenerateResult =
  | { ok: true; text: string; workflow: Workflow; parameters: GeneratedParameter[] }
  | { ok: false; problem: string; diagnostics: readonly Diagnostic[] };

interface Field extends ShellField {
  readonly original: string;
  text: string;
}

export function generateTemplate(source: string, file: string, options: GenerateOptions): GenerateResult {
  const loaded = loadWorkflow(source, file);
  if (!loaded.workflow)
    return { ok: false, problem: `${file} is not a valid workflow`, diagnostics: loaded.diagnostics };
  const workflow = loaded.workflow;
  const doc = parseWorkflowDocument(source);
  const fields: Field[] = shellFields(workflowBody(doc)).map((f) => ({
    ...f,
    original: f.node.value,
    text: f.node.value,
  }));
  const same = renderingComparer(workflow);
  const taken = takenNames(workflow);
  const parameters: (GeneratedParameter & { readonly firstAt: readonly [number, number] })[] = [];
  let values: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (;;) {
    const spots = fields.flatMap((f, field) => literalSpots(f.text).map((s): FieldSpot => ({ ...s, field })));
    const candidate = nextCandidate(spots, options.minOccurrences, seen);
    if (!candidate) break;
    seen.add(candidate.literal);
    const name = parameterName(candidate.literal, candidate.spots, {
      taken,
      environmentFree: !taken.has('environment'),
    });
    const type = parameterType(candidate.literal);
    const value = type === 'integer' ? Number(candidate.literal) : candidate.literal;
    const trial = { ...values, [name]: value };
    const applied = substitute(fields, candidate, name, same, values, trial);
    if (applied.occurrences < options.minOccurrences) {
      for (const [field, before] of applied.previous) (fields[field] as Field).text = before;
      continue;
    }
    values = trial;
    taken.add(name);
    parameters.push({
      name,
      literal: candidate.literal,
      type,
      default: value,
      occurrences: applied.occurrences,
      fields: [...applied.previous.keys()].map((i) => formatPath((fields[i] as Field).path)),
      firstAt: [candidate.spots[0]?.field ?? 0, candidate.spots[0]?.offset ?? 0],
    });
  }
  // Longest literals were chosen first; people read parameters in the order the workflow uses them.
  parameters.sort((a, b) => a.firstAt[0] - b.firstAt[0] || a.firstAt[1] - b.firstAt[1]);
  for (const f of fields) {
    if (f.text === f.original) continue;
    // Each replacement was checked against the text before it; this checks the sum of them.
    if (!same(f.original, {}, f.text, values))
      throw new Error(`generated ${formatPath(f.path)} renders differently`);
    f.node.value = f.text;
  }
  setWorkflowName(doc, options.name);
  appendParameters(
    doc,
    parameters.map((p) => ({
      name: p.name,
      description: `Replaces ${JSON.stringify(p.literal)}, found in ${p.occurrences} places`,
      type: p.type,
      default: p.default,
    })),
  );
  const text = stringifyWorkflow(doc);
  const result = loadWorkflow(text, options.outputFile);
  if (!result.workflow) {
    return {
      ok: false,
      problem: 'the generated template would not be valid',
      diagnostics: result.diagnostics,
    };
  }
  return {
    ok: true,
    text,
    workflow: result.workflow,
    parameters: parameters.map(({ firstAt: _, ...p }) => p),
  };
}

/** Replaces the candidate's spots field by field, keeping a field's change only if it renders the same. */
function substitute(
  fields: Field[],
  candidate: Candidate,
  name: string,
  same: SameRendering,
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
): { occurrences: number; previous: Map<number, string> } {
  const previous = new Map<number, string>();
  let occurrences = 0;
  const byField = new Map<number, FieldSpot[]>();
  for (const spot of candidate.spots) byField.set(spot.field, [...(byField.get(spot.field) ?? []), spot]);
  for (const [index, spots] of byField) {
    const field = fields[index] as Field;
    let next = field.text;
    for (const spot of [...spots].sort((a, b) => b.offset - a.offset)) {
      next = `${next.slice(0, spot.offset)}{{ .${name} }}${next.slice(spot.offset + candidate.literal.length)}`;
    }
    if (!same(field.text, before, next, after)) continue;
    previous.set(index, field.text);
    field.text = next;
    occurrences += spots.filter((s) => s.role !== 'prose').length;
  }
  return { occurrences, previous };
}

/** Every name a new parameter must not take; `environment` only when something already uses it. */
function takenNames(workflow: Workflow): Set<string> {
  const read = namesReadByTemplates(workflow);
  const taken = new Set<string>([
    ...BUILTIN_NAMES,
    ...read,
    ...workflow.parameters.map((p) => p.name),
    ...workflow.variables.map((v) => v.name),
    ...workflow.conditions.map((c) => c.name),
  ]);
  const environmentUsed =
    read.has('environment') || workflow.parameters.some((p) => p.name === 'environment');
  if (!environmentUsed) taken.delete('environment');
  return taken;
}
