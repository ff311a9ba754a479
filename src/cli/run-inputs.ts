// The run inputs every command that starts or explains a run accepts: --set, --parameter-file and
// -e/--env. Values from --set win over the files' (as `argo submit -p` over --parameter-file); of
// several files the later one wins (as `helm -f a.yaml -f b.yaml`); `-` is standard input.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseSetValues } from '../spec/set-values.ts';
import { UsageError } from './exit-codes.ts';
import type { OptionSpec } from './parse-options.ts';

export const RUN_INPUT_OPTIONS = {
  set: { type: 'string', multiple: true },
  'parameter-file': { type: 'string', multiple: true },
  env: { type: 'string', short: 'e' },
} as const satisfies OptionSpec;

export function readRunInputs(
  values: Record<string, unknown>,
  cwd: string,
): {
  parameters: Record<string, unknown>;
  environment?: string;
} {
  const files = (values['parameter-file'] as string[] | undefined) ?? [];
  const fromFile = Object.assign(
    {},
    ...files.map((f) => readParameterFile(f === '-' ? 0 : resolve(cwd, f), f)),
  );
  const parsed = parseSetValues((values.set as string[] | undefined) ?? [], fromFile);
  if (!parsed.ok) throw new UsageError(parsed.message);
  return { parameters: parsed.values, environment: values.env as string | undefined };
}

/** A YAML or JSON mapping of parameter names to values (JSON is YAML too). */
function readParameterFile(path: string | 0, shown: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--parameter-file ${shown}: cannot read it (${(error as NodeJS.ErrnoException).code})`,
    );
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new UsageError(`--parameter-file ${shown}: not YAML or JSON: ${(error as Error).message}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`--parameter-file ${shown}: expected a mapping of parameter names to values`);
  }
  return { ...(value as Record<string, unknown>) };
}
