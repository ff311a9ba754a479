// What counts as true: one rule for `when`, `condition`, validation expressions, `if`, `with`,
// `and`, `or` and `not`, so a value means the same wherever it is tested.
import { hasOwnKeys, isPlainObject, unwrap } from './values.ts';
import type { WorkMeter } from './values.ts';

/** Strings that mean false (compared trimmed and case-insensitively), as `--set flag=false` gives them. */
const FALSE_WORDS = new Set(['false', '0', 'no']);

/**
 * False for false, nil, 0, NaN, empty or whitespace-only strings, 'false'/'0'/'no' in any case,
 * and empty lists and objects; true for everything else.
 */
export function isTruthy(value: unknown, meter?: WorkMeter): boolean {
  const v = unwrap(value);
  if (v === null || v === undefined || v === false) return false;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'string') {
    const trimmed = v.trim();
    return trimmed !== '' && !FALSE_WORDS.has(trimmed.toLowerCase());
  }
  if (Array.isArray(v)) return v.length > 0;
  if (isPlainObject(v)) return meter === undefined ? hasOwnKeys(v) : meter.keysOf(v).length > 0;
  return true;
}

/** Emptiness as `default` sees it (Sprig's rule): nil, '', 0, false, and empty lists and objects. */
export function isEmpty(value: unknown, meter?: WorkMeter): boolean {
  const v = unwrap(value);
  if (v === null || v === undefined || v === false || v === '' || v === 0) return true;
  if (typeof v === 'number') return Number.isNaN(v);
  if (Array.isArray(v)) return v.length === 0;
  if (isPlainObject(v)) return meter === undefined ? !hasOwnKeys(v) : meter.keysOf(v).length === 0;
  return false;
}
