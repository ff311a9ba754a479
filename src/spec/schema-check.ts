// Checks a parsed document against the JSON Schema and turns ajv's findings into located,
// specific diagnostics: unknown keys with a did-you-mean, wrong types named the way YAML users say them.
// The schema is compiled ahead of time (scripts/generate-validators.ts), not at every start.
import type { ErrorObject, ValidateFunction } from 'ajv';
import { suggest } from '../template/index.ts';
import type { Diagnostic } from './diagnostics.ts';
import { formatPath, segmentsFromPointer } from './field-path.ts';
import type { PathSegment } from './field-path.ts';
import { validateWorkflow } from './generated/workflow-validator.js';
import { locate } from './source.ts';
import type { Position, SourceDocument } from './source.ts';

/** Finds where a path is written; `atKey` asks for the key rather than the value. */
export type PathLocator = (path: readonly PathSegment[], atKey: boolean) => Position | undefined;

export function sourceLocator(source: SourceDocument): PathLocator {
  return (path, atKey) => locate(source, path, atKey);
}

export function checkSchema(
  locator: PathLocator,
  file: string | undefined,
  value: unknown,
  prefix: readonly PathSegment[] = [],
): Diagnostic[] {
  return checkWithValidator(validateWorkflow, locator, file, value, prefix);
}

/** The same located, specific diagnostics for a document of another schema (compiled by the caller). */
export function checkWithValidator(
  validate: ValidateFunction,
  locator: PathLocator,
  file: string | undefined,
  value: unknown,
  prefix: readonly PathSegment[] = [],
): Diagnostic[] {
  if (validate(value)) return [];
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const error of validate.errors ?? []) {
    const d = toDiagnostic(locator, file, error, prefix);
    const key = `${d.path}|${d.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(d);
    }
  }
  return out;
}

function toDiagnostic(
  locator: PathLocator,
  file: string | undefined,
  error: ErrorObject,
  prefix: readonly PathSegment[],
): Diagnostic {
  const segments = [...prefix, ...segmentsFromPointer(error.instancePath)];
  const base = { severity: 'error' as const, file };
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys(
        (error.parentSchema as { properties?: object } | undefined)?.properties ?? {},
      );
      const hint = suggest(key, allowed);
      const full = [...segments, key];
      const pos = locator(full, true);
      return {
        ...base,
        code: 'unknown-key',
        path: formatPath(full),
        message: `unknown key '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}`,
        line: pos?.line,
        column: pos?.column,
      };
    }
    case 'required': {
      const key = String((error.params as { missingProperty: string }).missingProperty);
      const pos = locator(segments, false);
      return {
        ...base,
        code: 'missing-key',
        path: formatPath(segments),
        message: `missing required key '${key}'`,
        line: pos?.line,
        column: pos?.column,
      };
    }
    default: {
      const pos = locator(segments, false);
      return {
        ...base,
        code: `invalid-${error.keyword}`,
        path: formatPath(segments),
        message: describe(error),
        line: pos?.line,
        column: pos?.column,
      };
    }
  }
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type': {
      const expected = ([] as string[]).concat(params.type as string | string[]).map(typeName);
      return `expected ${expected.join(' or ')}, got ${describeValue(error.data)}`;
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const hint = typeof error.data === 'string' ? suggest(error.data, allowed) : undefined;
      return `${JSON.stringify(error.data)} is not one of ${allowed.join(', ')}${hint ? ` (did you mean '${hint}'?)` : ''}`;
    }
    case 'pattern':
      return `${JSON.stringify(error.data)} is not a valid ${patternName(String(params.pattern))}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${String(error.data)} must be ${params.comparison as string} ${String(params.limit)}`;
    case 'minLength':
      return Number(params.limit) === 1
        ? 'must not be empty'
        : `must be at least ${String(params.limit)} characters`;
    case 'maxLength':
      return `must be at most ${String(params.limit)} characters`;
    default:
      return error.message ?? `fails ${error.keyword}`;
  }
}

/** Scalars are shown as written (short), collections by kind. */
function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

function typeName(t: string): string {
  switch (t) {
    case 'array':
      return 'a list';
    case 'object':
      return 'a mapping';
    case 'string':
      return 'a string';
    case 'integer':
      return 'an integer';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'nothing (null)';
    default:
      return t;
  }
}

function patternName(pattern: string): string {
  if (pattern.startsWith('^[A-Za-z0-9][A-Za-z0-9_.-]')) return 'name (letters, digits, "_", "." and "-")';
  if (pattern.startsWith('^[A-Za-z_][A-Za-z0-9_]')) return 'identifier (letters, digits and "_")';
  if (pattern.startsWith('^[a-z0-9]')) return 'Kubernetes name (lower-case letters, digits and "-")';
  return `value (must match ${pattern})`;
}
