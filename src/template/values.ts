// The value model templates work on: JSON-like data, `raw` values that bypass shell escaping, and
// reads that see only own enumerable data properties (never prototypes, getters or globals).

/**
 * What walking values may cost: a depth bound for nested lists and objects, and a meter charged with
 * the characters and items processed, so work on big values is bounded like loop iterations are.
 */
export interface WorkMeter {
  readonly maxDepth: number;
  /** Adds work; throws once the evaluation's budget is spent. */
  charge(units: number): void;
  /** A plain object's own enumerable keys, listed (and charged) once per evaluation. */
  keysOf(object: object): readonly string[];
}

/** A value marked by `raw`: substituted verbatim, without shell escaping. */
export class RawValue {
  constructor(readonly value: unknown) {}

  toJSON(): unknown {
    return this.value;
  }
}

export function unwrap(value: unknown): unknown {
  return value instanceof RawValue ? value.value : value;
}

/** Objects created by literals or JSON.parse; class instances, Maps, Dates and the like are opaque. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Whether an object has any own enumerable key, without listing them all. */
export function hasOwnKeys(object: object): boolean {
  for (const key in object) if (Object.hasOwn(object, key)) return true;
  return false;
}

export type OwnRead = { found: true; value: unknown } | { found: false };

/** Reads an own, enumerable data property; `constructor`, `__proto__` and accessors are never seen. */
export function readOwn(object: object, key: string): OwnRead {
  const descriptor = Object.getOwnPropertyDescriptor(object, key);
  if (descriptor === undefined || !descriptor.enumerable || !('value' in descriptor)) return { found: false };
  return { found: true, value: descriptor.value as unknown };
}

export type ValueKind = 'nil' | 'string' | 'number' | 'boolean' | 'list' | 'object' | 'other';

export function kindOf(value: unknown): ValueKind {
  const v = unwrap(value);
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number' || typeof v === 'bigint') return 'number';
  if (typeof v === 'boolean') return 'boolean';
  if (Array.isArray(v)) return 'list';
  if (isPlainObject(v)) return 'object';
  return 'other';
}

/** A short description for messages: `string "abc"`, `number 80`, `a list`, `nil`. */
export function describeValue(value: unknown): string {
  const v = unwrap(value);
  switch (kindOf(v)) {
    case 'nil':
      return 'nil';
    case 'string': {
      const s = v as string;
      return `string ${JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s)}`;
    }
    case 'number':
      return `number ${String(v)}`;
    case 'boolean':
      return `boolean ${String(v)}`;
    case 'list':
      return 'a list';
    case 'object':
      return 'an object';
    default:
      return `a value of type ${typeof v}`;
  }
}

/** A value's type in a word, for `%T` and messages. */
export function typeWord(value: unknown): string {
  const kind = kindOf(value);
  return kind === 'other' ? typeof unwrap(value) : kind;
}

const NUMERIC = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/** The number a value stands for when it is a number or a decimal string (`--set` gives strings); else undefined. */
export function asNumber(value: unknown): number | undefined {
  const v = unwrap(value);
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && NUMERIC.test(v)) return Number(v);
  return undefined;
}

/** UTF-8 length of a string, without allocating. */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
