// How values become text: strings as they are, numbers as JavaScript prints them, nil as nothing,
// lists space-separated, objects as JSON.
import { ValueFailure } from './template-error.ts';
import { RawValue, unwrap } from './values.ts';

export function formatNumber(n: number): string {
  return Object.is(n, -0) ? '0' : String(n);
}

/** The text a value renders as. */
export function toText(value: unknown): string {
  const v = unwrap(value);
  if (Array.isArray(v)) return v.map(itemText).join(' ');
  return scalarText(v);
}

/** The text of one list item: scalars as they render, nested lists and objects as JSON. */
export function itemText(value: unknown): string {
  const v = unwrap(value);
  if (Array.isArray(v)) return toJSONText(v);
  return scalarText(v);
}

function scalarText(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return formatNumber(v);
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'undefined':
      return '';
    case 'object':
      return v === null ? '' : toJSONText(v);
    default:
      // Functions and symbols cannot come from workflow data; render nothing rather than code.
      return '';
  }
}

/** Compact JSON; cyclic, BigInt-holding or too deeply nested values are a ValueFailure. */
export function toJSONText(value: unknown): string {
  try {
    return JSON.stringify(unwrap(value) ?? null, jsonReplacer) ?? 'null';
  } catch (error) {
    const reason = error instanceof RangeError ? 'it nests too deeply' : (error as Error).message;
    throw new ValueFailure(`cannot render the value as JSON: ${reason}`);
  }
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof RawValue) return value.value;
  if (typeof value === 'bigint') return Number(value);
  return value;
}
