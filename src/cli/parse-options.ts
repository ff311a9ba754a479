// Command-line options through node's own parseArgs, with its errors turned into usage errors.
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { suggestTyped } from '../template/did-you-mean.ts';
import { UsageError } from './exit-codes.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export function parseOptions<O extends OptionSpec>(
  command: string,
  argv: readonly string[],
  options: O,
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Record<string, string | boolean | string[] | undefined>, positionals };
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/, '');
    throw new UsageError(`conveyor ${command}: ${message}${optionHint(message, options)}`);
  }
}

/** For an unknown option, the known one it most likely meant, and where the options are listed. */
function optionHint(message: string, options: OptionSpec): string {
  const unknown = /^Unknown option '(--?[^'=]+)/.exec(message)?.[1];
  if (unknown === undefined) return '';
  const known = Object.entries(options).flatMap(([name, o]) => [
    `--${name}`,
    ...(o.short ? [`-${o.short}`] : []),
  ]);
  const hint = suggestTyped(unknown, known);
  return hint ? ` (did you mean '${hint}'?)` : '';
}

export function outputFormat(value: unknown): 'text' | 'json' {
  if (value === undefined || value === 'text') return 'text';
  if (value === 'json') return 'json';
  throw new UsageError(`--output must be text or json, got ${JSON.stringify(value)}`);
}
