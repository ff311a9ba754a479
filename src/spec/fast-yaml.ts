// A parser for the plain block YAML that workflows are written in: block mappings and sequences,
// plain and quoted one-line scalars, one-line flow sequences, literal block scalars. The yaml library
// takes ~0.4 s of CPU for a 1,000-step workflow on a cold start (its lexer and composer are generic
// and run once, before the JIT warms up); this takes a few milliseconds. It answers `undefined` for
// anything outside that subset or in doubt (anchors, tags, multi-line plain scalars, duplicate keys,
// tabs, CRLF, syntax errors), and parseSource then uses the yaml library, which stays the reference:
// test/unit/spec/fast-yaml.test.ts checks that values and positions equal the library's on every
// YAML file in the repository and on generated documents.

export type ScalarStyle = 'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE' | 'BLOCK_LITERAL' | 'BLOCK_FOLDED';

export interface FastScalar {
  readonly kind: 'scalar';
  /** Offsets of the scalar's text (a quote or block indicator included), as the yaml library's range. */
  readonly start: number;
  readonly end: number;
  readonly style: ScalarStyle;
  readonly value: unknown;
}

export interface FastPair {
  readonly key: FastScalar;
  readonly value: FastNode;
}

export interface FastMap {
  readonly kind: 'map';
  readonly start: number;
  readonly pairs: ReadonlyMap<string, FastPair>;
}

export interface FastSeq {
  readonly kind: 'seq';
  readonly start: number;
  readonly items: readonly FastNode[];
}

export type FastNode = FastScalar | FastMap | FastSeq;

export interface FastDocument {
  readonly root: FastNode;
  /** The document as plain data, as the yaml library's `toJS()` gives it. */
  readonly value: unknown;
  /** Offset of the start of each line. */
  readonly lineStarts: readonly number[];
}

/** Thrown inside the parser for anything it leaves to the yaml library. */
class OutOfSubset extends Error {}

const KEY = /^[A-Za-z_][A-Za-z0-9_.\-/]*$/;
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT = /^[-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;
/** Core-schema forms this parser does not resolve itself (octal, hex, exponent, .inf, .nan). */
const OTHER_TAGS =
  /^(?:0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
/** Characters that cannot start a plain scalar, or that give it a meaning this parser leaves alone. */
const INDICATORS = new Set([...',[]{}#&*!|>\'"%@`']);

export function parseFastYaml(text: string): FastDocument | undefined {
  if (/[\t\r\uFEFF]/.test(text)) return undefined;
  try {
    return new FastParser(text).document();
  } catch (error) {
    // RangeError: nesting deep enough to overflow the stack; the yaml library reports it.
    if (error instanceof OutOfSubset || error instanceof RangeError) return undefined;
    throw error;
  }
}

interface Line {
  readonly start: number;
  readonly text: string;
  /** Leading spaces; -1 for a blank or comment-only line. */
  readonly indent: number;
}

class FastParser {
  private readonly lines: Line[] = [];
  private readonly lineStarts: number[] = [];
  /** The next line to look at. */
  private at = 0;

  constructor(private readonly text: string) {
    let start = 0;
    while (start <= text.length) {
      let end = text.indexOf('\n', start);
      if (end === -1) end = text.length;
      const line = text.slice(start, end);
      let indent = 0;
      while (indent < line.length && line.charCodeAt(indent) === 32) indent++;
      const blank = indent === line.length || line[indent] === '#';
      this.lines.push({ start, text: line, indent: blank ? -1 : indent });
      this.lineStarts.push(start);
      start = end + 1;
    }
  }

  document(): FastDocument {
    this.skipBlank();
    const first = this.lines[this.at];
    if (!first || first.indent !== 0) throw new OutOfSubset();
    if (first.text.startsWith('---') || first.text.startsWith('...') || first.text.startsWith('%'))
      throw new OutOfSubset();
    const root = this.block(0);
    this.skipBlank();
    if (this.at < this.lines.length) throw new OutOfSubset();
    if (root.node.kind === 'scalar') throw new OutOfSubset();
    return { root: root.node, value: root.value, lineStarts: this.lineStarts };
  }

  private skipBlank(): void {
    while (this.at < this.lines.length && this.lines[this.at]!.indent === -1) this.at++;
  }

  /** The next content line's indent, or -1 at the end. */
  private nextIndent(): number {
    this.skipBlank();
    return this.lines[this.at]?.indent ?? -1;
  }

  /** A block node whose first line is the next content line, at exactly `indent`. */
  private block(indent: number): { node: FastNode; value: unknown } {
    const line = this.lines[this.at]!;
    return isDash(line.text, indent) ? this.sequence(indent) : this.mapping(indent, this.at, indent);
  }

  /** Entries at column `indent`; the first one on line `lineIndex` at column `column`. */
  private mapping(indent: number, lineIndex: number, column: number): { node: FastMap; value: unknown } {
    const pairs = new Map<string, FastPair>();
    const value: Record<string, unknown> = {};
    const start = this.lines[lineIndex]!.start + column;
    this.at = lineIndex;
    let col = column;
    for (;;) {
      const line = this.lines[this.at]!;
      const rest = line.text.slice(col);
      const colon = rest.indexOf(':');
      if (colon <= 0) throw new OutOfSubset();
      const key = rest.slice(0, colon);
      if (!KEY.test(key) || NULL.test(key) || key === '__proto__' || pairs.has(key)) throw new OutOfSubset();
      const after = rest.slice(colon + 1);
      if (after !== '' && after[0] !== ' ') throw new OutOfSubset();
      const keyStart = line.start + col;
      const keyNode: FastScalar = {
        kind: 'scalar',
        start: keyStart,
        end: keyStart + key.length,
        style: 'PLAIN',
        value: key,
      };
      const valueColumn = col + colon + 1;
      const entry = this.valueAfter(this.at, valueColumn, indent, true);
      pairs.set(key, { key: keyNode, value: entry.node });
      value[key] = entry.value;
      const next = this.nextIndent();
      if (next < indent) break;
      if (next > indent) throw new OutOfSubset();
      // A dash at a mapping's own column is an error (or a construct left to the yaml library).
      if (isDash(this.lines[this.at]!.text, indent)) throw new OutOfSubset();
      col = indent;
    }
    return { node: { kind: 'map', start, pairs }, value };
  }

  private sequence(indent: number): { node: FastSeq; value: unknown[] } {
    const items: FastNode[] = [];
    const value: unknown[] = [];
    const start = this.lines[this.at]!.start + indent;
    for (;;) {
      const item = this.valueAfter(this.at, indent + 1, indent, false);
      items.push(item.node);
      value.push(item.value);
      const next = this.nextIndent();
      if (next < indent) break;
      if (next > indent) throw new OutOfSubset();
      if (!isDash(this.lines[this.at]!.text, indent)) break;
    }
    return { node: { kind: 'seq', start, items }, value };
  }

  /**
   * The value after `key:` or `-` on line `lineIndex`, from `column` (just past the indicator).
   * `indent` is the column of the mapping or sequence it belongs to. Leaves `at` on the next line.
   */
  private valueAfter(
    lineIndex: number,
    column: number,
    indent: number,
    inMapping: boolean,
  ): { node: FastNode; value: unknown } {
    const line = this.lines[lineIndex]!;
    const rest = line.text.slice(column);
    const spaces = leadingSpaces(rest);
    const content = rest.slice(spaces);
    this.at = lineIndex + 1;
    if (content === '' || content[0] === '#') {
      if (content !== '' || spaces > 0) throw new OutOfSubset();
      const empty: FastScalar = {
        kind: 'scalar',
        start: line.start + column,
        end: line.start + column,
        style: 'PLAIN',
        value: null,
      };
      const next = this.nextIndent();
      if (next > indent) return this.block(next);
      // `key:` followed by a sequence at the key's own column is that key's value.
      if (inMapping && next === indent && isDash(this.lines[this.at]!.text, indent))
        return this.sequence(indent);
      return { node: empty, value: null };
    }
    if (spaces === 0 && !inMapping) throw new OutOfSubset();
    const valueColumn = column + spaces;
    const at = line.start + valueColumn;
    if (!inMapping) {
      // `- key: value` starts a mapping whose column is the key's.
      const colon = content.indexOf(':');
      if (colon > 0 && KEY.test(content.slice(0, colon)) && /^:(?: |$)/.test(content.slice(colon)))
        return this.mapping(valueColumn, lineIndex, valueColumn);
      if (content === '-' || content.startsWith('- ')) throw new OutOfSubset();
    }
    const first = content[0]!;
    let node: FastScalar | FastSeq | FastMap;
    let value: unknown;
    if (first === '|' || first === '>') {
      const scalar = this.blockScalar(content, at, indent);
      return { node: scalar, value: scalar.value };
    } else if (first === '"' || first === "'") {
      const { text, length } = first === '"' ? doubleQuoted(content) : singleQuoted(content);
      endOfLine(content.slice(length));
      node = {
        kind: 'scalar',
        start: at,
        end: at + length,
        style: first === '"' ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE',
        value: text,
      };
      value = text;
    } else if (first === '[') {
      const flow = flowSequence(content, at);
      node = flow.node;
      value = flow.value;
    } else if (first === '{') {
      if (!/^\{\}(?: *$| +#)/.test(content)) throw new OutOfSubset();
      node = { kind: 'map', start: at, pairs: new Map() };
      value = {};
    } else {
      const plain = plainScalar(content);
      node = { kind: 'scalar', start: at, end: at + plain.length, style: 'PLAIN', value: resolve(plain) };
      value = node.value;
    }
    // A more indented line after a one-line value would continue it (or be an error): leave that to yaml.
    if (this.nextIndent() > indent) throw new OutOfSubset();
    return { node, value };
  }

  /** `|`, `|-`, `>` or `>-` and the lines after it indented more than `indent`. */
  private blockScalar(header: string, at: number, indent: number): FastScalar {
    const m = /^([|>])([-+]?)(?: *$| +#)/.exec(header);
    if (!m || m[2] === '+') throw new OutOfSubset();
    const folded = m[1] === '>';
    const body: string[] = [];
    let contentIndent = -1;
    let trailingBlank = 0;
    let end = at + header.length;
    while (this.at < this.lines.length) {
      const line = this.lines[this.at]!;
      const spaces = leadingSpaces(line.text);
      if (spaces === line.text.length) {
        // An empty line inside or after the block; spaces beyond the block's indent would be content.
        if (contentIndent === -1 ? spaces > indent + 1 : spaces > contentIndent) throw new OutOfSubset();
        if (contentIndent === -1 && body.length === 0) throw new OutOfSubset();
        trailingBlank++;
        this.at++;
        continue;
      }
      if (contentIndent === -1) {
        if (spaces <= indent) break;
        contentIndent = spaces;
      } else if (spaces < contentIndent) break;
      if (folded && (spaces > contentIndent || trailingBlank > 0)) throw new OutOfSubset();
      for (; trailingBlank > 0; trailingBlank--) body.push('');
      body.push(line.text.slice(contentIndent));
      end = line.start + line.text.length + 1;
      this.at++;
    }
    if (body.length === 0) throw new OutOfSubset();
    // Trailing empty lines belong to no one but the chomping, which drops them for `|` and `|-`.
    const joined = body.join(folded ? ' ' : '\n');
    const text = m[2] === '-' ? joined : `${joined}\n`;
    return {
      kind: 'scalar',
      start: at,
      end: Math.min(end, this.text.length),
      style: folded ? 'BLOCK_FOLDED' : 'BLOCK_LITERAL',
      value: text,
    };
  }
}

function isDash(text: string, indent: number): boolean {
  return text.charCodeAt(indent) === 45 && (text.length === indent + 1 || text.charCodeAt(indent + 1) === 32);
}

function leadingSpaces(text: string): number {
  let n = 0;
  while (n < text.length && text.charCodeAt(n) === 32) n++;
  return n;
}

/** What may follow a value on its line: spaces, then a comment. */
function endOfLine(rest: string): void {
  if (!/^(?: *$| +#)/.test(rest)) throw new OutOfSubset();
}

/** A one-line plain scalar in block context, up to a comment; its trimmed text. */
function plainScalar(content: string): string {
  checkPlainStart(content);
  const hash = content.indexOf(' #');
  const raw = (hash === -1 ? content : content.slice(0, hash)).trimEnd();
  if (raw.includes(': ') || raw.endsWith(':')) throw new OutOfSubset();
  return raw;
}

function checkPlainStart(content: string): void {
  const c = content[0]!;
  if (INDICATORS.has(c)) throw new OutOfSubset();
  if ((c === '-' || c === '?' || c === ':') && (content.length === 1 || content[1] === ' '))
    throw new OutOfSubset();
}

/** A plain scalar's value under the core schema, or out of the subset for the rarer forms. */
function resolve(plain: string): unknown {
  if (NULL.test(plain)) return null;
  if (BOOL.test(plain)) return plain[0] === 't' || plain[0] === 'T';
  if (INT.test(plain)) {
    if (plain.replace(/^[-+]/, '').length > 15) throw new OutOfSubset();
    return Number(plain);
  }
  if (FLOAT.test(plain)) return parseFloat(plain);
  if (OTHER_TAGS.test(plain)) throw new OutOfSubset();
  return plain;
}

const ESCAPES: Record<string, string> = {
  '\\': '\\',
  '"': '"',
  '/': '/',
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
};

/** A double-quoted scalar that closes on its line: its value and its length with the quotes. */
function doubleQuoted(content: string): { text: string; length: number } {
  let text = '';
  for (let i = 1; i < content.length; i++) {
    const c = content[i]!;
    if (c === '"') return { text, length: i + 1 };
    if (c !== '\\') {
      text += c;
      continue;
    }
    const e = content[++i];
    const simple = e === undefined ? undefined : ESCAPES[e];
    if (simple !== undefined) {
      text += simple;
      continue;
    }
    const hex = e === 'x' ? 2 : e === 'u' ? 4 : 0;
    const digits = content.slice(i + 1, i + 1 + hex);
    if (hex === 0 || !/^[0-9a-fA-F]+$/.test(digits) || digits.length !== hex) throw new OutOfSubset();
    const code = parseInt(digits, 16);
    if (code >= 0xd800 && code <= 0xdfff) throw new OutOfSubset();
    text += String.fromCharCode(code);
    i += hex;
  }
  throw new OutOfSubset();
}

function singleQuoted(content: string): { text: string; length: number } {
  let text = '';
  for (let i = 1; i < content.length; i++) {
    const c = content[i]!;
    if (c !== "'") {
      text += c;
      continue;
    }
    if (content[i + 1] === "'") {
      text += "'";
      i++;
      continue;
    }
    return { text, length: i + 1 };
  }
  throw new OutOfSubset();
}

/** `[a, "b", c]` on one line, of scalars only. */
function flowSequence(content: string, at: number): { node: FastSeq; value: unknown[] } {
  const items: FastNode[] = [];
  const value: unknown[] = [];
  let i = 1;
  const skipSpaces = (): void => {
    while (content[i] === ' ') i++;
  };
  skipSpaces();
  if (content[i] === ']') {
    endOfLine(content.slice(i + 1));
    return { node: { kind: 'seq', start: at, items }, value };
  }
  for (;;) {
    skipSpaces();
    const c = content[i];
    if (c === undefined) throw new OutOfSubset();
    let item: FastScalar;
    if (c === '"' || c === "'") {
      const q = c === '"' ? doubleQuoted(content.slice(i)) : singleQuoted(content.slice(i));
      item = {
        kind: 'scalar',
        start: at + i,
        end: at + i + q.length,
        style: c === '"' ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE',
        value: q.text,
      };
      i += q.length;
    } else {
      let j = i;
      while (j < content.length && !',[]{}#'.includes(content[j]!)) j++;
      const raw = content.slice(i, j).trimEnd();
      if (raw === '' || raw.includes(': ') || raw.endsWith(':')) throw new OutOfSubset();
      checkPlainStart(raw);
      item = { kind: 'scalar', start: at + i, end: at + i + raw.length, style: 'PLAIN', value: resolve(raw) };
      i = j;
    }
    items.push(item);
    value.push(item.value);
    skipSpaces();
    if (content[i] === ',') {
      i++;
      skipSpaces();
      if (content[i] === ']') throw new OutOfSubset();
      continue;
    }
    if (content[i] === ']') {
      endOfLine(content.slice(i + 1));
      return { node: { kind: 'seq', start: at, items }, value };
    }
    throw new OutOfSubset();
  }
}
