// The run inputs every command that starts or explains a run accepts: --set, --parameter-file and
// -e/--env. Values from --set win over the files' (as `argo submit -p` over --parameter-file); of
// several files the later one wins (as `helm -f a.yaml -f b.yaml`); `-` is standard input.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatDiagnostic } from '../spec/diagnostics.ts';
import type { Diagnostic } from '../spec/diagnostics.ts';
import type { InputProblem } from '../spec/run-context.ts';
import { parseSetValues } from '../spec/set-values.ts';
import { locate, parseSource } from '../spec/source.ts';
import { UsageError } from './exit-codes.ts';
import type { OptionSpec } from './parse-options.ts';

export const RUN_INPUT_OPTIONS = {
  set: { type: 'string', multiple: true },
  'parameter-file': { type: 'string', multiple: true },
  env: { type: 'string', short: 'e' },
} as const satisfies OptionSpec;

/** Where each parameter's value was written (`params.yaml` line 3, column 1), for errors about it. */
export type ParameterOrigins = Readonly<
  Record<string, { readonly file: string; readonly line: number; readonly column: number }>
>;

export function readRunInputs(
  values: Record<string, unknown>,
  cwd: string,
): {
  parameters: Record<string, unknown>;
  environment?: string;
  /** Parameters whose value came from a --parameter-file (not overridden by --set). */
  origins: ParameterOrigins;
} {
  const files = (values['parameter-file'] as string[] | undefined) ?? [];
  const fromFile: Record<string, unknown> = {};
  const origins: Record<string, ParameterOrigins[string]> = {};
  for (const f of files) {
    const read = readParameterFile(f === '-' ? 0 : resolve(cwd, f), f);
    Object.assign(fromFile, read.values);
    Object.assign(origins, read.origins);
  }
  const set = (values.set as string[] | undefined) ?? [];
  const parsed = parseSetValues(set, fromFile);
  if (!parsed.ok) throw new UsageError(parsed.message);
  const fromSet = parseSetValues(set, {});
  for (const name of Object.keys(fromSet.ok ? fromSet.values : {})) delete origins[name];
  return { parameters: parsed.values, environment: values.env as string | undefined, origins };
}

/**
 * Where an input problem is reported: at the parameter file and line that gave the value, else at
 * the workflow file (a value from --set, or one that is missing).
 */
export function formatInputProblem(
  workflowFile: string,
  problem: InputProblem,
  origins: ParameterOrigins,
): string {
  return formatDiagnostic(inputProblemDiagnostic(workflowFile, problem, origins));
}

/** The same as a located finding, for `validate --explain` (which lists them with the workflow's). */
export function inputProblemDiagnostic(
  workflowFile: string,
  problem: InputProblem,
  origins: ParameterOrigins,
): Diagnostic {
  const name = problem.subject.startsWith('parameters.') ? problem.subject.slice('parameters.'.length) : '';
  return {
    severity: 'error',
    code: 'invalid-input',
    message: problem.message,
    path: problem.subject,
    ...(origins[name] ?? { file: workflowFile }),
  };
}

/** A YAML or JSON mapping of parameter names to values (JSON is YAML too), with each key's position. */
function readParameterFile(
  path: string | 0,
  shown: string,
): { values: Record<string, unknown>; origins: Record<string, ParameterOrigins[string]> } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--parameter-file ${shown}: cannot read it (${(error as NodeJS.ErrnoException).code})`,
    );
  }
  const label = path === 0 ? 'standard input' : shown;
  const parsed = parseSource(text, label);
  if (!parsed.ok) {
    const [first] = parsed.diagnostics;
    if (first?.code === 'empty-document') return { values: {}, origins: {} };
    throw new UsageError(
      `--parameter-file ${shown}: not YAML or JSON: ${parsed.diagnostics.map(formatDiagnostic).join('; ')}`,
    );
  }
  const value = parsed.source.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`--parameter-file ${shown}: expected a mapping of parameter names to values`);
  }
  const origins: Record<string, ParameterOrigins[string]> = {};
  for (const name of Object.keys(value)) {
    const at = locate(parsed.source, [name], true);
    origins[name] = { file: label, line: at.line, column: at.column };
  }
  return { values: { ...(value as Record<string, unknown>) }, origins };
}
