// YAML (and JSON) text parsed with source positions kept, so that every later finding can point at
// the line and column of the key or value it is about. Plain block YAML goes through the fast parser
// (fast-yaml.ts); everything else, and every document with an error, through the yaml library.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { Diagnostic } from './diagnostics.ts';
import { parseFastYaml } from './fast-yaml.ts';
import type { FastDocument, FastNode } from './fast-yaml.ts';
import type { PathSegment } from './field-path.ts';

/** Documents larger than this are refused before parsing: a workflow is a page, not a data set. */
export const MAX_SOURCE_BYTES = 4 * 1024 * 1024;
/** Deeper nesting than this is refused: real workflows nest a handful of levels. */
export const MAX_NESTING_DEPTH = 64;

export interface SourceDocument {
  readonly file: string;
  readonly text: string;
  /** Where each node is written. */
  readonly tree: SourceTree;
  /** The document as plain data (aliases expanded, bounded). */
  readonly value: unknown;
}

/** A scalar as written: its style and the offsets of its text (quotes and indicators included). */
export interface WrittenScalar {
  readonly style: string;
  readonly start: number;
  readonly end: number;
  readonly value: unknown;
}

/** Positions in a parsed document, from the yaml library's nodes or the fast parser's. */
export interface SourceTree {
  /** Offset of the node at `path` (of its key with `atKey`), else of the nearest ancestor written. */
  offsetOf(path: readonly PathSegment[], atKey: boolean): number;
  /** The scalar at exactly `path`, if one is written there. */
  scalarAt(path: readonly PathSegment[]): WrittenScalar | undefined;
  linePos(offset: number): { line: number; col: number };
}

export interface Position {
  readonly line: number;
  readonly column: number;
}

export type ParseResult = { ok: true; source: SourceDocument } | { ok: false; diagnostics: Diagnostic[] };

export function parseSource(text: string, file: string): ParseResult {
  const fail = (message: string, code: string, pos?: Position): ParseResult => ({
    ok: false,
    diagnostics: [
      { severity: 'error', code, message, path: '', file, line: pos?.line ?? 1, column: pos?.column ?? 1 },
    ],
  });
  if (Buffer.byteLength(text, 'utf8') > MAX_SOURCE_BYTES) {
    return fail(`document is larger than ${MAX_SOURCE_BYTES / 1024 / 1024} MiB`, 'document-too-large');
  }
  const depth = bracketDepth(text);
  if (depth > MAX_NESTING_DEPTH * 2) {
    return fail(`document is nested more than ${MAX_NESTING_DEPTH} levels deep`, 'document-too-deep');
  }
  if (/\.json$/i.test(file)) {
    // YAML accepts what JSON forbids (trailing commas, comments); a .json file must be real JSON.
    const problem = jsonSyntaxError(text);
    if (problem) return fail(problem.message, 'json-syntax', problem.position);
  }
  const fast = parseFastYaml(text);
  if (fast) {
    if (nestingDepth(fast.value, 0) > MAX_NESTING_DEPTH) {
      return fail(`document is nested more than ${MAX_NESTING_DEPTH} levels deep`, 'document-too-deep');
    }
    return { ok: true, source: { file, text, tree: fastTree(fast), value: fast.value } };
  }
  const lines = new LineCounter();
  let document: Document.Parsed;
  try {
    document = parseDocument(text, {
      lineCounter: lines,
      prettyErrors: false,
      uniqueKeys: true,
      strict: true,
    });
  } catch (error) {
    // The yaml parser recurses; pathological nesting overflows the stack instead of returning an error.
    if (error instanceof RangeError)
      return fail('document is nested too deeply to parse', 'document-too-deep');
    throw error;
  }
  if (document.errors.length > 0) {
    return {
      ok: false,
      diagnostics: document.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return {
          severity: 'error' as const,
          code: 'yaml-syntax',
          message: yamlMessage(e.code, e.message),
          path: '',
          file,
          line: pos.line,
          column: pos.col,
        };
      }),
    };
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    if (error instanceof RangeError)
      return fail('document is nested too deeply to parse', 'document-too-deep');
    return fail(`cannot read document: ${(error as Error).message}`, 'yaml-aliases');
  }
  if (nestingDepth(value, 0) > MAX_NESTING_DEPTH) {
    return fail(`document is nested more than ${MAX_NESTING_DEPTH} levels deep`, 'document-too-deep');
  }
  if (value === null || value === undefined)
    return fail('document is empty: expected a workflow', 'empty-document');
  return { ok: true, source: { file, text, tree: yamlTree(document, lines), value } };
}

function jsonSyntaxError(text: string): { message: string; position?: Position } | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    const message = (error as Error).message;
    const at = /at position (\d+)/.exec(message);
    if (!at) return { message: `invalid JSON: ${message}` };
    const offset = Number(at[1]);
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    return {
      message: `invalid JSON: ${message.replace(/ in JSON at position \d+.*$/, '')}`,
      position: { line, column },
    };
  }
}

/** Keeps the parser's message but drops its code-frame, which our one-line format replaces. */
function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0] ?? message;
  const cleaned = first.replace(/ at line \d+, column \d+:?$/, '');
  return code === 'DUPLICATE_KEY' ? cleaned.replace('Map keys must be unique', 'duplicate key') : cleaned;
}

/** A cheap upper bound on flow-collection nesting, checked before the recursive parser runs. */
function bracketDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 91 || c === 123) max = Math.max(max, ++depth);
    else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  return max;
}

function nestingDepth(value: unknown, depth: number): number {
  if (depth > MAX_NESTING_DEPTH) return depth;
  if (Array.isArray(value))
    return value.reduce<number>((m, v) => Math.max(m, nestingDepth(v, depth + 1)), depth);
  if (value !== null && typeof value === 'object') {
    return Object.values(value).reduce<number>((m, v) => Math.max(m, nestingDepth(v, depth + 1)), depth);
  }
  return depth;
}

/**
 * Finds the position of the value at `path` (or of its key, when `atKey`), falling back to the
 * nearest existing ancestor so that a finding always has a place.
 */
export function locate(source: SourceDocument, path: readonly PathSegment[], atKey = false): Position {
  const pos = source.tree.linePos(source.tree.offsetOf(path, atKey));
  return { line: pos.line, column: pos.col };
}

function yamlTree(document: Document.Parsed, lines: LineCounter): SourceTree {
  return {
    offsetOf(path, atKey) {
      let node: unknown = document.contents;
      let best: YamlNode | undefined = node as YamlNode | undefined;
      let keyNode: YamlNode | undefined;
      for (const segment of path) {
        keyNode = undefined;
        if (isMap(node)) {
          const pair = node.items.find(
            (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
          );
          if (!pair) break;
          keyNode = pair.key as YamlNode;
          node = pair.value;
          best = (pair.value as YamlNode | null) ?? keyNode;
        } else if (isSeq(node) && typeof segment === 'number') {
          node = node.items[segment];
          if (!node) break;
          best = node as YamlNode;
        } else {
          break;
        }
      }
      const target = atKey && keyNode ? keyNode : best;
      return target?.range?.[0] ?? 0;
    },
    scalarAt(path) {
      const node: unknown = document.getIn(path as PathSegment[], true);
      if (!isScalar(node) || !node.range) return undefined;
      return { style: node.type ?? 'PLAIN', start: node.range[0], end: node.range[1], value: node.value };
    },
    linePos: (offset) => lines.linePos(offset),
  };
}

function fastTree(doc: FastDocument): SourceTree {
  const lines = new LineCounter();
  for (const start of doc.lineStarts) lines.addNewLine(start);
  const child = (node: FastNode, segment: PathSegment): FastNode | undefined => {
    if (node.kind === 'map') return node.pairs.get(String(segment))?.value;
    if (node.kind === 'seq' && typeof segment === 'number') return node.items[segment];
    return undefined;
  };
  return {
    offsetOf(path, atKey) {
      let node: FastNode = doc.root;
      let keyStart: number | undefined;
      for (const segment of path) {
        keyStart = node.kind === 'map' ? node.pairs.get(String(segment))?.key.start : undefined;
        const next = child(node, segment);
        if (!next) break;
        node = next;
      }
      return atKey && keyStart !== undefined ? keyStart : node.start;
    },
    scalarAt(path) {
      let node: FastNode | undefined = doc.root;
      for (const segment of path) node = node && child(node, segment);
      return node?.kind === 'scalar' ? node : undefined;
    },
    linePos: (offset) => lines.linePos(offset),
  };
}

/**
 * Maps an offset inside a string value (a template) to a file position. Exact for plain and
 * quoted one-line scalars and block scalars; for folded scalars it points at the value's start.
 */
export function locateInValue(
  source: SourceDocument,
  path: readonly PathSegment[],
  offset: number,
): Position {
  const start = locate(source, path);
  const scalar = source.tree.scalarAt(path);
  if (!scalar) return start;
  const raw = source.text.slice(scalar.start, scalar.end);
  const value = String(scalar.value);
  const before = value.slice(0, offset);
  const lineIndex = before.split('\n').length - 1;
  const columnInLine = before.length - (before.lastIndexOf('\n') + 1);
  if (scalar.style === 'BLOCK_LITERAL') {
    // Content starts on the line after the indicator, at the block's indentation.
    const firstContent = raw.indexOf('\n') + 1;
    const indent = /^( *)/.exec(raw.slice(firstContent))?.[1]?.length ?? 0;
    return { line: start.line + 1 + lineIndex, column: indent + 1 + columnInLine };
  }
  if (scalar.style === 'QUOTE_DOUBLE' || scalar.style === 'QUOTE_SINGLE') {
    return lineIndex === 0 ? { line: start.line, column: start.column + 1 + columnInLine } : start;
  }
  if (scalar.style === 'PLAIN') {
    return lineIndex === 0 ? { line: start.line, column: start.column + columnInLine } : start;
  }
  return start;
}
