// Located findings about a workflow document: what is wrong, where (file, line, column, field path),
// and how to say it in one line the way compilers do.

import type { SourceRef } from './model.ts';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly severity: Severity;
  /** A stable machine-readable code such as `unknown-key` or `dependency-cycle`. */
  readonly code: string;
  readonly message: string;
  /** Field path such as `steps[1].steps[2].depends_on`; empty for the document itself. */
  readonly path: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.file ? `${d.file}${d.line ? `:${d.line}:${d.column ?? 1}` : ''}: ` : '';
  const severity = d.severity === 'warning' ? 'warning: ' : '';
  const path = d.path ? `${d.path}: ` : '';
  return `${where}${severity}${path}${d.message}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Orders findings by position so that a reader fixes them top to bottom. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      a.path.localeCompare(b.path),
  );
}

/** Where a finding is: a position inside a template, or else that of the object it is about. */
export type Position = { line?: number; column?: number };

/** A finding about `field` of the object at `ref` (the object itself without one). */
export function fieldDiagnostic(
  finding: { severity: Severity; code: string; message: string },
  ref: SourceRef,
  field: string | undefined,
  file: string | undefined,
  at?: Position,
): Diagnostic {
  return {
    ...finding,
    path: field ? `${ref.path}.${field}` : ref.path,
    file,
    ...(at ?? { line: ref.line, column: ref.column }),
  };
}

/**
 * Maps an offset inside a template to a position; the YAML source gives exact positions, other
 * callers fall back to the field's own position.
 */
export type TemplateLocator = (ref: SourceRef, field: string, offset: number) => Position;
