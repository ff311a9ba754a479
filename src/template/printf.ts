// Go's fmt.Sprintf for the template `printf`: the usual verbs, flags, width, precision and explicit
// argument indexes, Go's `%!d(string=x)` markers for mismatches, and a cap on widths.
import { MAX_PRINTF_WIDTH } from './limits.ts';
import { formatNumber } from './format.ts';
import { ValueFailure } from './template-error.ts';
import { asNumber, isPlainObject, kindOf, unwrap } from './values.ts';
import type { WorkMeter } from './values.ts';

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | null;
  precision: number | null;
}

/** Formats like Go's fmt.Sprintf; the meter bounds how much of lists and objects `%v` walks. */
export function sprintf(format: string, args: readonly unknown[], meter: WorkMeter): string {
  meter.charge(format.length);
  for (const arg of args) if (typeof arg === 'string') meter.charge(arg.length);
  let out = '';
  let argIndex = 0;
  let reordered = false;
  let i = 0;
  const readIndex = (): void => {
    const match = /^\[(\d{1,6})\]/.exec(format.slice(i, i + 8));
    if (match === null) return;
    argIndex = Number(match[1]) - 1;
    reordered = true;
    i += match[0].length;
  };
  const readNumber = (what: string): number | null => {
    if (format[i] === '*') {
      i++;
      const value = argIndex < args.length ? asNumber(args[argIndex]) : undefined;
      argIndex++;
      if (value === undefined || !Number.isInteger(value)) return null;
      return checkWidth(value, what);
    }
    const match = /^\d+/.exec(format.slice(i, i + 20));
    if (match === null) return null;
    i += match[0].length;
    return checkWidth(Number(match[0]), what);
  };
  while (i < format.length) {
    const percent = format.indexOf('%', i);
    if (percent === -1) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, percent);
    i = percent + 1;
    const spec: Spec = {
      minus: false,
      plus: false,
      sharp: false,
      space: false,
      zero: false,
      width: null,
      precision: null,
    };
    for (; i < format.length; i++) {
      const c = format[i];
      if (c === '-') spec.minus = true;
      else if (c === '+') spec.plus = true;
      else if (c === '#') spec.sharp = true;
      else if (c === ' ') spec.space = true;
      else if (c === '0') spec.zero = true;
      else break;
    }
    readIndex();
    spec.width = readNumber('width');
    if (spec.width !== null && spec.width < 0) {
      spec.minus = true;
      spec.width = -spec.width;
    }
    if (format[i] === '.') {
      i++;
      readIndex();
      spec.precision = readNumber('precision') ?? 0;
      if (spec.precision < 0) spec.precision = null;
    }
    readIndex();
    if (i >= format.length) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argIndex < 0 || argIndex >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatVerb(verb, unwrap(args[argIndex++]), spec, meter);
  }
  if (!reordered && argIndex < args.length) {
    const extra = args.slice(argIndex).map((a) => `${goType(a)}=${formatV(unwrap(a), meter)}`);
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}

function checkWidth(value: number, what: string): number {
  if (Math.abs(value) > MAX_PRINTF_WIDTH) {
    throw new ValueFailure(`${what} ${value} is larger than the limit of ${MAX_PRINTF_WIDTH}`);
  }
  return value;
}

function formatVerb(verb: string, arg: unknown, spec: Spec, meter: WorkMeter): string {
  const bad = (): string => `%!${verb}(${goType(arg)}=${formatV(arg, meter)})`;
  switch (verb) {
    case 'v':
      return pad(formatV(arg, meter), spec);
    case 's': {
      const s = typeof arg === 'string' ? arg : formatV(arg, meter);
      return pad(spec.precision === null ? s : [...s].slice(0, spec.precision).join(''), spec);
    }
    case 'q': {
      const s = typeof arg === 'string' ? arg : formatV(arg, meter);
      return pad(spec.sharp && !/[`\p{Cc}]/u.test(s) ? `\`${s}\`` : goQuote(s), spec);
    }
    case 't':
      return typeof arg === 'boolean' ? pad(String(arg), spec) : bad();
    case 'T':
      return pad(goType(arg), spec);
    case 'x':
    case 'X':
      if (typeof arg === 'string') {
        const hex = [...new TextEncoder().encode(arg)].map((b) => b.toString(16).padStart(2, '0')).join('');
        return pad(verb === 'X' ? hex.toUpperCase() : hex, spec);
      }
      return formatInteger(verb, arg, spec) ?? bad();
    case 'd':
    case 'b':
    case 'o':
    case 'O':
    case 'c':
    case 'U':
      return formatInteger(verb, arg, spec) ?? bad();
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G': {
      const x = asNumber(arg);
      if (x === undefined || typeof arg === 'boolean') return bad();
      return formatFloat(verb, x, spec);
    }
    default:
      return bad();
  }
}

function formatInteger(verb: string, arg: unknown, spec: Spec): string | undefined {
  const n = asNumber(arg);
  if (n === undefined || !Number.isInteger(n)) return undefined;
  if (verb === 'c') {
    return pad(
      n >= 0 && n <= 0x10ffff && !(n >= 0xd800 && n <= 0xdfff) ? String.fromCodePoint(n) : '\ufffd',
      spec,
    );
  }
  if (verb === 'U') return pad(`U+${Math.abs(n).toString(16).toUpperCase().padStart(4, '0')}`, spec);
  const base = verb === 'd' ? 10 : verb === 'b' ? 2 : verb === 'x' || verb === 'X' ? 16 : 8;
  let digits = Math.abs(n) >= 1e21 ? BigInt(Math.abs(n)).toString(base) : Math.abs(n).toString(base);
  if (verb === 'X') digits = digits.toUpperCase();
  if (spec.precision !== null) digits = digits.padStart(spec.precision, '0');
  let prefix = '';
  if (verb === 'O') prefix = '0o';
  else if (spec.sharp && verb === 'x') prefix = '0x';
  else if (spec.sharp && verb === 'X') prefix = '0X';
  else if (spec.sharp && verb === 'b') prefix = '0b';
  else if (spec.sharp && verb === 'o' && !digits.startsWith('0')) prefix = '0';
  return padNumber(signOf(n < 0, spec) + prefix, digits, spec, spec.precision === null);
}

function formatFloat(verb: string, x: number, spec: Spec): string {
  if (Number.isNaN(x)) return pad('NaN', spec);
  const negative = x < 0 || Object.is(x, -0);
  if (!Number.isFinite(x)) return pad(negative ? '-Inf' : '+Inf', spec);
  const abs = Math.abs(x);
  const lower = verb.toLowerCase();
  let body =
    lower === 'f'
      ? fixed(abs, spec.precision ?? 6)
      : lower === 'e'
        ? exponential(abs, spec.precision ?? 6)
        : general(abs, spec.precision);
  if (verb === 'E' || verb === 'G') body = body.toUpperCase();
  return padNumber(signOf(negative, spec), body, spec, true);
}

function signOf(negative: boolean, spec: Spec): string {
  return negative ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
}

function fixed(abs: number, precision: number): string {
  if (abs >= 1e21) return BigInt(abs).toString() + (precision > 0 ? `.${'0'.repeat(precision)}` : '');
  return precision <= 100 ? abs.toFixed(precision) : abs.toFixed(100) + '0'.repeat(precision - 100);
}

function exponential(abs: number, precision: number): string {
  const [mantissa = '0', exponent = '0'] = abs.toExponential(Math.min(precision, 100)).split('e');
  const zeros = precision > 100 ? '0'.repeat(precision - 100) : '';
  return `${mantissa}${zeros}${goExponent(Number(exponent))}`;
}

/** %g: the shortest form for no precision, else `precision` significant digits; %e style for large or small exponents. */
function general(abs: number, precision: number | null): string {
  const p = precision === null ? null : Math.max(1, precision);
  const [mantissa = '0', exponentText = '0'] = (
    p === null ? abs.toExponential() : abs.toExponential(Math.min(p - 1, 100))
  ).split('e');
  const digits = mantissa.replace('.', '').replace(/(?<=.)0+$/, '');
  const exponent = Number(exponentText);
  const nd = digits.length;
  const dp = exponent + 1;
  let eprec = p ?? 6;
  if (p !== null && eprec > nd && nd >= dp) eprec = nd;
  if (exponent < -4 || exponent >= eprec) {
    return `${digits[0]}${nd > 1 ? `.${digits.slice(1)}` : ''}${goExponent(exponent)}`;
  }
  if (dp <= 0) return `0.${'0'.repeat(-dp)}${digits}`;
  if (dp >= nd) return digits + '0'.repeat(dp - nd);
  return `${digits.slice(0, dp)}.${digits.slice(dp)}`;
}

function goExponent(exponent: number): string {
  const sign = exponent < 0 ? '-' : '+';
  return `e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

function pad(s: string, spec: Spec): string {
  if (spec.width === null) return s;
  const missing = spec.width - [...s].length;
  if (missing <= 0) return s;
  if (spec.minus) return s + ' '.repeat(missing);
  return (spec.zero ? '0' : ' ').repeat(missing) + s;
}

function padNumber(sign: string, body: string, spec: Spec, zeroAllowed: boolean): string {
  if (spec.width === null) return sign + body;
  const missing = spec.width - sign.length - body.length;
  if (missing <= 0) return sign + body;
  if (spec.minus) return sign + body + ' '.repeat(missing);
  if (spec.zero && zeroAllowed) return sign + '0'.repeat(missing) + body;
  return ' '.repeat(missing) + sign + body;
}

/** Go's `%v`: lists as `[a b]`, objects as `map[k:v]` with sorted keys, nil as `<nil>`. */
export function formatV(value: unknown, meter: WorkMeter, depth = 0): string {
  if (depth > meter.maxDepth) throw new ValueFailure(`values nest more than ${meter.maxDepth} levels deep`);
  meter.charge(1);
  const v = unwrap(value);
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatNumber(v);
  if (Array.isArray(v)) return `[${v.map((item) => formatV(item, meter, depth + 1)).join(' ')}]`;
  if (isPlainObject(v)) {
    const entries = Object.keys(v)
      .sort()
      .map((key) => `${key}:${formatV(v[key], meter, depth + 1)}`);
    return `map[${entries.join(' ')}]`;
  }
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return `<${typeof v}>`;
}

function goType(value: unknown): string {
  const kind = kindOf(value);
  return kind === 'nil' ? '<nil>' : kind === 'other' ? typeof unwrap(value) : kind;
}

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\v': '\\v',
};
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go's strconv.Quote: a double-quoted string with Go escapes for quotes, backslashes and unprintable characters. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const escape = ESCAPES[ch];
    if (escape !== undefined) {
      out += escape;
      continue;
    }
    if (PRINTABLE.test(ch)) {
      out += ch;
      continue;
    }
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}
