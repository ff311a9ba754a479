// The functions templates may call: Go's built-ins (eq, lt, and, len, index, printf, …) and the
// Sprig-style helpers the workflow language needs (default, join, split, fromJSON, raw, …).
import { compareOrder, valuesEqual } from './compare.ts';
import { itemText, toJSONText, toText } from './format.ts';
import { formatV, goQuote, sprintf } from './printf.ts';
import { ValueFailure } from './template-error.ts';
import { isEmpty, isTruthy } from './truthiness.ts';
import { RawValue, asNumber, describeValue, isPlainObject, readOwn, unwrap } from './values.ts';
import type { WorkMeter } from './values.ts';

/** What a function may know about the evaluation calling it: the depth bound and the work meter. */
export type FunctionEnv = WorkMeter;

export interface TemplateFunction {
  readonly minArgs: number;
  readonly maxArgs: number;
  /** Throws ValueFailure for bad arguments; the evaluator prefixes the message with the function's name. */
  call(args: readonly unknown[], env: FunctionEnv): unknown;
}

function fn(minArgs: number, maxArgs: number, call: TemplateFunction['call']): TemplateFunction {
  return { minArgs, maxArgs, call };
}

function ordering(test: (order: number) => boolean, operator: string): TemplateFunction {
  return fn(2, 2, ([a, b], env) => test(compareOrder(a, b, operator, env)));
}

function text(value: unknown): string {
  return toText(value);
}

/** The text of a value, charged to the meter: for functions whose result does not show the work done. */
function measuredText(value: unknown, env: FunctionEnv): string {
  const s = toText(value);
  env.charge(s.length);
  return s;
}

function fromJSON(value: unknown, env: FunctionEnv): unknown {
  const v = unwrap(value);
  if (v === null || v === undefined) return undefined;
  if (typeof v !== 'string') return v;
  env.charge(v.length);
  if (v.trim() === '') return undefined;
  try {
    return JSON.parse(v) as unknown;
  } catch (error) {
    throw new ValueFailure(`invalid JSON: ${(error as Error).message}`);
  }
}

function toNumber(value: unknown, what: string, env: FunctionEnv): number {
  const v = unwrap(value);
  if (typeof v === 'string') env.charge(v.length);
  if (v === null || v === undefined) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const n = asNumber(v);
  if (n === undefined) throw new ValueFailure(`cannot convert ${describeValue(v)} to ${what}`);
  return n;
}

function join(a: unknown, b: unknown): string {
  const first = unwrap(a);
  const second = unwrap(b);
  // The seed writes `join .services ','`; Sprig and pipelines give `join ',' .services`.
  let list: unknown;
  let separator: unknown;
  if (Array.isArray(first)) [list, separator] = [first, second];
  else if (Array.isArray(second)) [list, separator] = [second, first];
  else if (first === null || first === undefined) [list, separator] = [[], second];
  else if (second === null || second === undefined) [list, separator] = [[], first];
  else
    throw new ValueFailure(
      `expected a list and a separator, got ${describeValue(first)} and ${describeValue(second)}`,
    );
  return (list as unknown[]).map(itemText).join(text(separator));
}

function split(a: unknown, b: unknown, env: FunctionEnv): string[] {
  const first = measuredText(a, env);
  const second = measuredText(b, env);
  // Sprig's order is `split SEP STRING` (so `.csv | split ","` works); `split .csv ","` works too:
  // the separator is the shorter argument (the first when they are as long), an empty one is the string.
  if (first === '' || second === '') return [];
  const [separator, subject] = second.length < first.length ? [second, first] : [first, second];
  return subject.split(separator);
}

function contains(needle: unknown, haystack: unknown, env: FunctionEnv): boolean {
  const n = unwrap(needle);
  const h = unwrap(haystack);
  if (Array.isArray(h)) return h.some((item) => valuesEqual(n, item, env));
  if (Array.isArray(n)) return n.some((item) => valuesEqual(h, item, env));
  if (isPlainObject(h)) return readOwn(h, text(n)).found;
  return measuredText(h, env).includes(measuredText(n, env));
}

function length(value: unknown, env: FunctionEnv): number {
  const v = unwrap(value);
  if (v === null || v === undefined) return 0;
  if (typeof v === 'string') {
    env.charge(v.length);
    return [...v].length;
  }
  if (Array.isArray(v)) return v.length;
  if (isPlainObject(v)) return env.keysOf(v).length;
  throw new ValueFailure(`${describeValue(v)} has no length`);
}

function index(args: readonly unknown[]): unknown {
  let current = unwrap(args[0]);
  for (const rawKey of args.slice(1)) {
    const key = unwrap(rawKey);
    if (current === null || current === undefined) return undefined;
    if (Array.isArray(current)) {
      const i = asNumber(key);
      if (i === undefined || !Number.isInteger(i))
        throw new ValueFailure(`a list index must be an integer, got ${describeValue(key)}`);
      current = i >= 0 && i < current.length ? unwrap(current[i]) : undefined;
    } else if (isPlainObject(current)) {
      if (typeof key !== 'string' && typeof key !== 'number') {
        throw new ValueFailure(`an object key must be a string, got ${describeValue(key)}`);
      }
      const read = readOwn(current, String(key));
      current = read.found ? unwrap(read.value) : undefined;
    } else {
      throw new ValueFailure(`cannot index ${describeValue(current)}`);
    }
  }
  return current;
}

/** Go's fmt.Sprint: operands side by side, with a space between two that are not strings. */
function print(args: readonly unknown[], env: FunctionEnv): string {
  let out = '';
  args.forEach((arg, i) => {
    if (i > 0 && typeof unwrap(arg) !== 'string' && typeof unwrap(args[i - 1]) !== 'string') out += ' ';
    out += formatV(arg, env);
  });
  return out;
}

/** Go's `and`/`or` result: the first argument whose truth is `stopAt`, else the last one. */
function deciding(args: readonly unknown[], stopAt: boolean, env: FunctionEnv): unknown {
  const i = args.findIndex((a) => isTruthy(a, env) === stopAt);
  return args[i === -1 ? args.length - 1 : i];
}

const table: Record<string, TemplateFunction> = {
  // Comparisons (Go): eq a b c is true when a equals b or c.
  eq: fn(2, Infinity, ([a, ...rest], env) => rest.some((b) => valuesEqual(a, b, env))),
  ne: fn(2, 2, ([a, b], env) => !valuesEqual(a, b, env)),
  lt: ordering((o) => o < 0, 'lt'),
  le: ordering((o) => o <= 0, 'le'),
  gt: ordering((o) => o > 0, 'gt'),
  ge: ordering((o) => o >= 0, 'ge'),
  // Logic (Go): the evaluator short-circuits `and` and `or`; these bodies serve already-evaluated arguments.
  and: fn(1, Infinity, (args, env) => deciding(args, false, env)),
  or: fn(1, Infinity, (args, env) => deciding(args, true, env)),
  not: fn(1, 1, ([a], env) => !isTruthy(a, env)),
  // Collections and strings.
  len: fn(1, 1, ([a], env) => length(a, env)),
  index: fn(1, Infinity, (args) => index(args)),
  list: fn(0, Infinity, (args) => args.map(unwrap)),
  default: fn(1, 2, ([fallback, given], env) => (isEmpty(given, env) ? fallback : given)),
  join: fn(2, 2, ([a, b]) => join(a, b)),
  split: fn(2, 2, ([a, b], env) => split(a, b, env)),
  contains: fn(2, 2, ([needle, haystack], env) => contains(needle, haystack, env)),
  hasPrefix: fn(2, 2, ([prefix, s], env) => measuredText(s, env).startsWith(measuredText(prefix, env))),
  hasSuffix: fn(2, 2, ([suffix, s], env) => measuredText(s, env).endsWith(measuredText(suffix, env))),
  upper: fn(1, 1, ([s]) => text(s).toUpperCase()),
  lower: fn(1, 1, ([s]) => text(s).toLowerCase()),
  trim: fn(1, 1, ([s]) => text(s).trim()),
  quote: fn(1, Infinity, (args) => args.map((a) => goQuote(text(a))).join(' ')),
  // Formatting and conversion.
  printf: fn(1, Infinity, ([format, ...rest], env) => sprintf(text(format), rest, env)),
  print: fn(0, Infinity, (args, env) => print(args, env)),
  toString: fn(1, 1, ([a]) => text(a)),
  int: fn(1, 1, ([a], env) => Math.trunc(toNumber(a, 'an integer', env))),
  float: fn(1, 1, ([a], env) => toNumber(a, 'a number', env)),
  fromJSON: fn(1, 1, ([a], env) => fromJSON(a, env)),
  toJSON: fn(1, 1, ([a]) => toJSONText(a)),
  // Shell safety: the value is substituted verbatim in commands and scripts.
  raw: fn(1, 1, ([a]) => new RawValue(unwrap(a))),
};
// Helm's spellings, for people who come from charts.
table.fromJson = table.fromJSON!;
table.toJson = table.toJSON!;

export const FUNCTIONS: ReadonlyMap<string, TemplateFunction> = new Map(Object.entries(table));
