// A setting that may be a secret: written inline, or read from a file (a mounted Secret) or an
// environment variable at the moment it is needed, so that a rotated Secret is picked up without
// a restart. Values read here are never logged.
import { readFileSync } from 'node:fs';

export type SecretValue =
  string | { readonly valueFrom: { readonly file: string } | { readonly env: string } };

/** Where secret values come from; tests pass their own. */
export interface SecretSource {
  readFile(path: string): string;
  env(name: string): string | undefined;
}

export const processSecrets: SecretSource = {
  readFile: (path) => readFileSync(path, 'utf8'),
  env: (name) => process.env[name],
};

/** The value, trimmed of the trailing newline files usually end with; throws with a safe message. */
export function resolveSecret(value: SecretValue, source: SecretSource): string {
  if (typeof value === 'string') return value;
  const from = value.valueFrom;
  if ('file' in from) {
    let text: string;
    try {
      text = source.readFile(from.file);
    } catch (error) {
      throw new Error(`cannot read ${from.file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, {
        cause: error,
      });
    }
    return text.replace(/\r?\n$/, '');
  }
  const text = source.env(from.env);
  if (text === undefined || text === '') throw new Error(`environment variable ${from.env} is not set`);
  return text;
}

/** Where a secret comes from, for messages: never the value itself. */
export function describeSecret(value: SecretValue): string {
  if (typeof value === 'string') return 'an inline value';
  return 'file' in value.valueFrom ? `file ${value.valueFrom.file}` : `$${value.valueFrom.env}`;
}
