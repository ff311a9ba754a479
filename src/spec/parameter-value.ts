// Parameter values: coercing what `--set` gives (strings, Helm-style lists) to the declared type,
// and checking a value against the parameter's `validation`.
import type { Parameter, ParameterType } from './model.ts';

export type CoerceResult = { ok: true; value: unknown } | { ok: false; message: string };

/** Converts a value to the parameter's type; strings from the command line are read as that type. */
export function coerceParameter(param: Parameter, value: unknown): CoerceResult {
  return coerce(param.type, value);
}

function coerce(type: ParameterType, value: unknown): CoerceResult {
  switch (type) {
    case 'string':
      if (typeof value === 'string') return { ok: true, value };
      if (typeof value === 'number' || typeof value === 'boolean') return { ok: true, value: String(value) };
      return mismatch('a string', value);
    case 'number':
    case 'integer': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n))
        return mismatch(`${type === 'integer' ? 'an integer' : 'a number'}`, value);
      if (type === 'integer' && !Number.isInteger(n)) return mismatch('an integer', value);
      return { ok: true, value: n };
    }
    case 'boolean':
      if (typeof value === 'boolean') return { ok: true, value };
      if (value === 'true' || value === 'false') return { ok: true, value: value === 'true' };
      return mismatch('true or false', value);
    case 'array':
      if (Array.isArray(value)) return { ok: true, value };
      // A single value from the command line becomes a one-item list; `a,b` in braces is split by --set.
      if (typeof value === 'string') return { ok: true, value: value === '' ? [] : [value] };
      return mismatch('a list', value);
    case 'object':
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) return { ok: true, value };
      if (typeof value === 'string') {
        try {
          const parsed: unknown = JSON.parse(value);
          if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
            return { ok: true, value: parsed };
        } catch {
          // Fall through to the mismatch message.
        }
      }
      return mismatch('a mapping', value);
  }
}

function mismatch(expected: string, value: unknown): CoerceResult {
  return { ok: false, message: `expected ${expected}, got ${JSON.stringify(value)}` };
}

/** Returns every way `value` breaks the parameter's validation rules, as sentences. */
export function checkParameterValue(param: Parameter, value: unknown): string[] {
  const v = param.validation;
  if (!v) return [];
  const problems: string[] = [];
  if (v.enum && !v.enum.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))) {
    problems.push(
      `${JSON.stringify(value)} is not one of ${v.enum.map((e) => JSON.stringify(e)).join(', ')}`,
    );
  }
  if (typeof value === 'string') {
    if (v.pattern !== undefined) {
      let re: RegExp | undefined;
      try {
        re = new RegExp(v.pattern, 'u');
      } catch (error) {
        problems.push(`validation.pattern is not a valid regular expression: ${(error as Error).message}`);
      }
      if (re && !re.test(value)) problems.push(`${JSON.stringify(value)} does not match ${v.pattern}`);
    }
    if (v.minLength !== undefined && value.length < v.minLength)
      problems.push(`must have at least ${v.minLength} characters`);
    if (v.maxLength !== undefined && value.length > v.maxLength)
      problems.push(`must have at most ${v.maxLength} characters`);
  }
  if (typeof value === 'number') {
    if (v.min !== undefined && value < v.min) problems.push(`${value} is less than the minimum ${v.min}`);
    if (v.max !== undefined && value > v.max) problems.push(`${value} is more than the maximum ${v.max}`);
  }
  if (Array.isArray(value)) {
    if (v.minItems !== undefined && value.length < v.minItems) {
      problems.push(`has ${value.length} item(s), at least ${v.minItems} required`);
    }
    if (v.maxItems !== undefined && value.length > v.maxItems) {
      problems.push(`has ${value.length} items, at most ${v.maxItems} allowed`);
    }
    if (v.pattern !== undefined) {
      for (const item of value) {
        if (typeof item === 'string' && !safeTest(v.pattern, item)) {
          problems.push(`item ${JSON.stringify(item)} does not match ${v.pattern}`);
        }
      }
    }
  }
  return problems;
}

function safeTest(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(value);
  } catch {
    return true;
  }
}
