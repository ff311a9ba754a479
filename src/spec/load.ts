// From text to a validated workflow: parse with positions, check the schema, normalise, then the
// semantic checks. Accepts a bare workflow document or a `Workflow` resource (its `spec`).
import type { Diagnostic } from './diagnostics.ts';
import { hasErrors, sortDiagnostics } from './diagnostics.ts';
import { formatPath } from './field-path.ts';
import type { PathSegment } from './field-path.ts';
import type { Workflow } from './model.ts';
import { normalizeWorkflow } from './normalize.ts';
import { checkSchema, sourceLocator } from './schema-check.ts';
import { locate, locateInValue, parseSource } from './source.ts';
import type { SourceDocument } from './source.ts';
import { validateWorkflow } from './validate.ts';
import { API_VERSION, GROUP, KINDS } from './crd/identity.ts';

export interface LoadResult {
  /** Present when the document has no errors (warnings allowed). */
  readonly workflow?: Workflow;
  readonly diagnostics: Diagnostic[];
}

export function loadWorkflow(text: string, file = '<input>'): LoadResult {
  const parsed = parseSource(text, file);
  if (!parsed.ok) return { diagnostics: parsed.diagnostics };
  const source = parsed.source;
  const { body, prefix, problem } = unwrapResource(source.value);
  if (problem)
    return {
      diagnostics: [
        { severity: 'error', code: 'not-a-workflow', message: problem, path: '', file, line: 1, column: 1 },
      ],
    };
  const schemaProblems = checkSchema(sourceLocator(source), file, body, prefix);
  if (schemaProblems.length > 0) return { diagnostics: sortDiagnostics(schemaProblems) };
  const at = (path: readonly PathSegment[]) => locate(source, [...prefix, ...path]);
  const { workflow, diagnostics } = normalizeWorkflow(body as Record<string, unknown>, at, file);
  const semantic = validateWorkflow(workflow, file, (ref, field, offset) =>
    locateTemplate(source, prefix, ref.path, field, offset),
  );
  const all = sortDiagnostics([...diagnostics, ...semantic]);
  return hasErrors(all) ? { diagnostics: all } : { workflow, diagnostics: all };
}

/** A `kind: Workflow` resource carries the workflow document in `spec`, with the name in metadata. */
function unwrapResource(value: unknown): { body: unknown; prefix: PathSegment[]; problem?: string } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { body: value, prefix: [], problem: 'expected a workflow: a mapping with name and steps' };
  }
  const v = value as Record<string, unknown>;
  if (v.apiVersion === undefined && v.kind === undefined) return { body: value, prefix: [] };
  if (
    v.kind !== KINDS.workflow ||
    typeof v.apiVersion !== 'string' ||
    !v.apiVersion.startsWith(`${GROUP}/`)
  ) {
    return {
      body: value,
      prefix: [],
      problem: `expected kind Workflow of ${API_VERSION}, got ${String(v.kind)} of ${String(v.apiVersion)}`,
    };
  }
  const spec = (v.spec ?? {}) as Record<string, unknown>;
  const name = (v.metadata as { name?: unknown } | undefined)?.name;
  return { body: { name, ...spec }, prefix: ['spec'] };
}

function locateTemplate(
  source: SourceDocument,
  prefix: PathSegment[],
  refPath: string,
  field: string,
  offset: number,
): { line: number; column: number } {
  const segments = [...prefix, ...parsePath(refPath), ...(field ? parsePath(field) : [])];
  return locateInValue(source, segments, offset);
}

/** Reads back a path produced by formatPath (`steps[1].env.X`). */
function parsePath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path)) !== null) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(`"${m[3]}"`) as string);
  }
  return out;
}

/**
 * Validates a workflow that arrives as data rather than text (a Workflow resource's spec, a run's
 * inline workflow): the same checks and messages as files, located by field path alone.
 */
export function loadWorkflowObject(
  value: unknown,
  origin: string,
  pathPrefix: readonly PathSegment[] = [],
): LoadResult {
  const noPosition = () => undefined;
  const schemaProblems = checkSchema(noPosition, origin, value, pathPrefix);
  if (schemaProblems.length > 0) return { diagnostics: schemaProblems };
  const { workflow, diagnostics } = normalizeWorkflow(value as Record<string, unknown>, noPosition, origin, {
    nullsPruned: true,
  });
  const head = formatPath(pathPrefix);
  // Paths from the normaliser and the semantic checks are relative to the workflow document.
  const prefixed = [...diagnostics, ...validateWorkflow(workflow, origin)].map((d) =>
    head ? { ...d, path: d.path ? `${head}.${d.path}` : head } : d,
  );
  const all = sortDiagnostics(prefixed);
  return hasErrors(all) ? { diagnostics: all } : { workflow, diagnostics: all };
}
