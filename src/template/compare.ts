// Equality, ordering and membership as `eq`/`lt`/`in` and the infix operators use them. Numbers and
// numeric strings compare as numbers, because parameters given with --set arrive as strings.
import { ValueFailure } from './template-error.ts';
import { asNumber, describeValue, isPlainObject, readOwn, unwrap } from './values.ts';
import type { WorkMeter } from './values.ts';

/** Deep equality with the numeric-string and 'true'/'false' coercions; the meter bounds the walk. */
export function valuesEqual(left: unknown, right: unknown, meter: WorkMeter, depth = 0): boolean {
  if (depth > meter.maxDepth) throw new ValueFailure(`values nest more than ${meter.maxDepth} levels deep`);
  meter.charge(1);
  const a = unwrap(left);
  const b = unwrap(right);
  if (a === null || a === undefined || b === null || b === undefined) {
    return (a === null || a === undefined) && (b === null || b === undefined);
  }
  if (typeof a === 'string' && typeof b === 'string') {
    meter.charge(Math.min(a.length, b.length));
    return a === b;
  }
  if (typeof a === 'boolean' || typeof b === 'boolean')
    return booleanOf(a) === booleanOf(b) && booleanOf(a) !== undefined;
  if (typeof a === 'number' || typeof b === 'number' || typeof a === 'bigint' || typeof b === 'bigint') {
    const x = asNumber(a);
    const y = asNumber(b);
    return x !== undefined && y !== undefined && x === y;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => valuesEqual(item, b[i], meter, depth + 1));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = meter.keysOf(a);
    if (keys.length !== meter.keysOf(b).length) return false;
    return keys.every((key) => {
      const other = readOwn(b, key);
      return other.found && valuesEqual(a[key], other.value, meter, depth + 1);
    });
  }
  return Object.is(a, b);
}

function booleanOf(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const lower = v.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}

/** Negative, zero or positive as `left` sorts before, with or after `right`; a ValueFailure when they cannot be ordered. */
export function compareOrder(left: unknown, right: unknown, operator: string, meter: WorkMeter): number {
  const a = unwrap(left);
  const b = unwrap(right);
  if (typeof a === 'string') meter.charge(a.length);
  if (typeof b === 'string') meter.charge(b.length);
  const x = asNumber(a);
  const y = asNumber(b);
  if (x !== undefined && y !== undefined) {
    if (Number.isNaN(x) || Number.isNaN(y)) throw incomparable(a, b, operator);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') {
    meter.charge(Math.min(a.length, b.length));
    return a < b ? -1 : a > b ? 1 : 0;
  }
  throw incomparable(a, b, operator);
}

function incomparable(a: unknown, b: unknown, operator: string): ValueFailure {
  return new ValueFailure(`cannot compare ${describeValue(a)} with ${describeValue(b)} using '${operator}'`);
}

/** `needle in haystack`: list membership, substring, or object key; nil holds nothing. */
export function isIn(needle: unknown, haystack: unknown, meter: WorkMeter): boolean {
  const h = unwrap(haystack);
  const n = unwrap(needle);
  if (h === null || h === undefined) return false;
  if (Array.isArray(h)) return h.some((item) => valuesEqual(n, item, meter));
  if (typeof h === 'string') {
    meter.charge(h.length);
    if (typeof n === 'string') return h.includes(n);
    if (typeof n === 'number' || typeof n === 'boolean' || typeof n === 'bigint')
      return h.includes(String(n));
    if (n === null || n === undefined) return false;
    throw new ValueFailure(`cannot look for ${describeValue(n)} inside a string`);
  }
  if (isPlainObject(h)) {
    if (typeof n === 'string' || typeof n === 'number') return readOwn(h, String(n)).found;
    return false;
  }
  throw new ValueFailure(`'in' needs a list, a string or an object on its right, got ${describeValue(h)}`);
}
