// The lexer: splits a template into text and actions (`{{ … }}`), applies `{{-`/`-}}` trimming,
// drops comments, and tokenizes the inside of each action.
import { TemplateFailure } from './template-error.ts';

export type TokenKind =
  | 'field' // .name
  | 'variable' // $ or $name
  | 'dot' // .
  | 'ident' // words: functions, keywords, true/false/nil, and/or/not/in
  | 'string'
  | 'number'
  | 'op' // ( ) [ ] , | := = == != < <= > >=
  | 'end'; // the closing }} of the action

export interface Token {
  readonly kind: TokenKind;
  /** The source text of the token. */
  readonly text: string;
  /** For strings and numbers, the decoded value; for fields, the name without the dot. */
  readonly value?: string | number;
  readonly offset: number;
  readonly length: number;
}

export type Segment =
  | { readonly kind: 'text'; readonly text: string; readonly offset: number }
  | {
      readonly kind: 'action';
      readonly tokens: readonly Token[];
      readonly offset: number;
      readonly length: number;
    };

const OPEN = '{{';
const CLOSE = '}}';
const IDENT_START = /[\p{L}_]/u;
const IDENT_PART = /[\p{L}\p{N}_]/u;
const NUMBER = /[+-]?(?:0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)/y;

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

/** Splits `source` into segments; a syntax problem is thrown as a TemplateFailure. */
export function lex(source: string): Segment[] {
  const segments: Segment[] = [];
  let pos = 0;
  let trimNextText = false;
  while (pos <= source.length) {
    const open = source.indexOf(OPEN, pos);
    const textEnd = open === -1 ? source.length : open;
    let textStart = pos;
    if (trimNextText) while (textStart < textEnd && isSpace(source[textStart])) textStart++;
    let p = open + OPEN.length;
    let trimLeft = false;
    if (open !== -1 && source[p] === '-' && isSpace(source[p + 1])) {
      trimLeft = true;
      p += 2;
    }
    let textStop = textEnd;
    if (trimLeft) while (textStop > textStart && isSpace(source[textStop - 1])) textStop--;
    if (textStop > textStart)
      segments.push({ kind: 'text', text: source.slice(textStart, textStop), offset: textStart });
    if (open === -1) break;
    const action = lexAction(source, open, p);
    if (action.tokens !== null) {
      segments.push({ kind: 'action', tokens: action.tokens, offset: open, length: action.end - open });
    }
    trimNextText = action.trimRight;
    pos = action.end;
  }
  return segments;
}

interface LexedAction {
  /** Null for a comment. */
  tokens: Token[] | null;
  /** Offset just past the closing `}}`. */
  end: number;
  trimRight: boolean;
}

function lexAction(source: string, open: number, start: number): LexedAction {
  const unclosed = (): TemplateFailure => new TemplateFailure('unclosed action: missing }}', open, 2);
  let p = skipSpace(source, start);
  if (source.startsWith('/*', p)) {
    const close = source.indexOf('*/', p + 2);
    if (close === -1) throw new TemplateFailure('unclosed comment: missing */', p, 2);
    const after = closeAt(source, skipSpace(source, close + 2));
    if (after === null) {
      if (source.indexOf(CLOSE, close) === -1) throw unclosed();
      throw new TemplateFailure('a comment must end with */ followed by }}', close, 2);
    }
    return { tokens: null, end: after.end, trimRight: after.trimRight };
  }
  const tokens: Token[] = [];
  for (;;) {
    p = skipSpace(source, p);
    if (p >= source.length) throw unclosed();
    const close = closeAt(source, p);
    if (close !== null) {
      tokens.push({ kind: 'end', text: CLOSE, offset: close.end - 2, length: 2 });
      return { tokens, end: close.end, trimRight: close.trimRight };
    }
    try {
      const token = lexToken(source, p);
      tokens.push(token);
      p = token.offset + token.length;
    } catch (error) {
      // A stray quote often means the action was never closed; say so when no }} follows at all.
      if (error instanceof TemplateFailure && source.indexOf(CLOSE, p) === -1) throw unclosed();
      throw error;
    }
  }
}

/** Recognises `}}` or `-}}` at `p`. */
function closeAt(source: string, p: number): { end: number; trimRight: boolean } | null {
  if (source.startsWith(CLOSE, p)) return { end: p + 2, trimRight: false };
  if (source[p] === '-' && source.startsWith(CLOSE, p + 1)) return { end: p + 3, trimRight: true };
  return null;
}

function skipSpace(source: string, p: number): number {
  while (p < source.length && isSpace(source[p])) p++;
  return p;
}

function lexToken(source: string, p: number): Token {
  const ch = source[p]!;
  const next = source[p + 1];
  const op = (text: string): Token => ({ kind: 'op', text, offset: p, length: text.length });
  switch (ch) {
    case '.':
      if (next !== undefined && IDENT_START.test(next)) {
        const end = identEnd(source, p + 1);
        return {
          kind: 'field',
          text: source.slice(p, end),
          value: source.slice(p + 1, end),
          offset: p,
          length: end - p,
        };
      }
      if (next !== undefined && next >= '0' && next <= '9') return lexNumber(source, p);
      return { kind: 'dot', text: '.', offset: p, length: 1 };
    case '$': {
      const end = next !== undefined && IDENT_PART.test(next) ? identEnd(source, p + 1) : p + 1;
      return { kind: 'variable', text: source.slice(p, end), offset: p, length: end - p };
    }
    case '"':
    case "'":
      return lexQuoted(source, p, ch);
    case '`': {
      const close = source.indexOf('`', p + 1);
      if (close === -1) throw new TemplateFailure('unterminated raw string: missing closing `', p, 1);
      return {
        kind: 'string',
        text: source.slice(p, close + 1),
        value: source.slice(p + 1, close),
        offset: p,
        length: close + 1 - p,
      };
    }
    case '(':
    case ')':
    case '[':
    case ']':
    case ',':
      return op(ch);
    case '|':
      if (next === '|') throw new TemplateFailure("unexpected '||': use 'or'", p, 2);
      return op('|');
    case ':':
      if (next === '=') return op(':=');
      throw new TemplateFailure("unexpected ':' (did you mean ':='?)", p, 1);
    case '=':
      return op(next === '=' ? '==' : '=');
    case '!':
      if (next === '=') return op('!=');
      throw new TemplateFailure("unexpected '!': use 'not'", p, 1);
    case '<':
    case '>':
      return op(next === '=' ? `${ch}=` : ch);
    case '&':
      throw new TemplateFailure(
        next === '&' ? "unexpected '&&': use 'and'" : "unexpected '&'",
        p,
        next === '&' ? 2 : 1,
      );
    default:
      break;
  }
  if ((ch >= '0' && ch <= '9') || ((ch === '-' || ch === '+') && next !== undefined && /[0-9.]/.test(next))) {
    return lexNumber(source, p);
  }
  if (ch === '-')
    throw new TemplateFailure(
      "unexpected '-' (to trim whitespace write '{{- ' or ' -}}' with a space)",
      p,
      1,
    );
  if (IDENT_START.test(ch)) {
    const end = identEnd(source, p);
    return { kind: 'ident', text: source.slice(p, end), offset: p, length: end - p };
  }
  const shown = String.fromCodePoint(source.codePointAt(p)!);
  throw new TemplateFailure(`unexpected character ${JSON.stringify(shown)} in action`, p, shown.length);
}

function identEnd(source: string, p: number): number {
  let end = p;
  while (end < source.length) {
    const cp = String.fromCodePoint(source.codePointAt(end)!);
    if (!IDENT_PART.test(cp)) break;
    end += cp.length;
  }
  return end;
}

function lexNumber(source: string, p: number): Token {
  NUMBER.lastIndex = p;
  const match = NUMBER.exec(source);
  const end = match === null ? p + 1 : p + match[0].length;
  const following = source[end];
  if (match === null || (following !== undefined && (IDENT_PART.test(following) || following === '.'))) {
    let stop = end;
    while (stop < source.length && /[\w.+-]/.test(source[stop]!)) stop++;
    throw new TemplateFailure(`bad number syntax: ${JSON.stringify(source.slice(p, stop))}`, p, stop - p);
  }
  const text = match[0];
  const sign = text.startsWith('-') ? -1 : 1;
  const unsigned = text.replace(/^[+-]/, '');
  const prefix = unsigned.slice(0, 2).toLowerCase();
  const base = prefix === '0x' ? 16 : prefix === '0b' ? 2 : prefix === '0o' ? 8 : 10;
  const value = base === 10 ? Number(unsigned) : parseInt(unsigned.slice(2), base);
  return { kind: 'number', text, value: sign * value, offset: p, length: text.length };
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

/** Double-quoted strings with Go's escapes; single-quoted strings (the seed's extension) take the same escapes. */
function lexQuoted(source: string, p: number, quote: string): Token {
  let value = '';
  let i = p + 1;
  for (;;) {
    const ch = source[i];
    if (ch === undefined || ch === '\n') {
      throw new TemplateFailure(`unterminated string: missing closing ${quote}`, p, i - p);
    }
    if (ch === quote) break;
    if (ch !== '\\') {
      value += ch;
      i++;
      continue;
    }
    const esc = source[i + 1];
    if (esc !== undefined && esc in SIMPLE_ESCAPES) {
      value += SIMPLE_ESCAPES[esc];
      i += 2;
      continue;
    }
    const hexDigits = esc === 'x' ? 2 : esc === 'u' ? 4 : esc === 'U' ? 8 : 0;
    const octal = esc !== undefined && esc >= '0' && esc <= '7';
    const digits = octal ? source.slice(i + 1, i + 4) : source.slice(i + 2, i + 2 + hexDigits);
    const valid = octal
      ? /^[0-7]{3}$/.test(digits)
      : hexDigits > 0 && new RegExp(`^[0-9a-fA-F]{${hexDigits}}$`).test(digits);
    const code = valid ? parseInt(digits, octal ? 8 : 16) : -1;
    if (
      !valid ||
      code > 0x10ffff ||
      (octal && code > 255) ||
      (code >= 0xd800 && code <= 0xdfff && esc !== 'x')
    ) {
      const shown = esc === undefined ? '\\' : `\\${esc}`;
      throw new TemplateFailure(`invalid escape sequence '${shown}' in string`, i, shown.length);
    }
    value += String.fromCodePoint(code);
    i += octal ? 4 : 2 + hexDigits;
  }
  return { kind: 'string', text: source.slice(p, i + 1), value, offset: p, length: i + 1 - p };
}
