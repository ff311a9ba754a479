// The run inputs every command that starts or explains a run accepts: --set and -e/--env.
import { parseSetValues } from '../spec/set-values.ts';
import { UsageError } from './exit-codes.ts';
import type { OptionSpec } from './parse-options.ts';

export const RUN_INPUT_OPTIONS = {
  set: { type: 'string', multiple: true },
  env: { type: 'string', short: 'e' },
} as const satisfies OptionSpec;

export function readRunInputs(values: Record<string, unknown>): {
  parameters: Record<string, unknown>;
  environment?: string;
} {
  const parsed = parseSetValues((values.set as string[] | undefined) ?? []);
  if (!parsed.ok) throw new UsageError(parsed.message);
  return { parameters: parsed.values, environment: values.env as string | undefined };
}
