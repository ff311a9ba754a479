// Expressions written without `{{ }}` and without dots, as the seed writes alert conditions
// (`deployment_duration > 1800`): every bare name that is not an operator, a literal or a function
// is read as a field of the data (`.deployment_duration`), then the text is parsed as one action.
// A condition that contains `{{` is an ordinary template and is parsed as it is.
import { FUNCTIONS } from './functions.ts';
import type { Template, TemplateError } from './index.ts';
import { parseTemplate } from './index.ts';
import { lex } from './lexer.ts';
import { TemplateFailure } from './template-error.ts';

const KEEP_AS_WORDS = new Set(['and', 'or', 'not', 'in', 'true', 'false', 'nil']);
const OPEN = '{{ ';
const CLOSE = ' }}';

export type BareExpressionResult = { readonly template: Template } | { readonly error: TemplateError };

/** Parses `source` as a bare expression (or as a template when it holds `{{`); errors point into `source`. */
export function parseBareExpression(source: string): BareExpressionResult {
  if (source.includes('{{')) return parseTemplate(source);
  const wrapped = `${OPEN}${source}${CLOSE}`;
  let insertAt: number[];
  try {
    insertAt = bareNameOffsets(wrapped);
  } catch (error) {
    if (error instanceof TemplateFailure)
      return { error: backToSource(error.toError(wrapped.length), [], source) };
    throw error;
  }
  let rewritten = '';
  let from = 0;
  for (const at of insertAt) {
    rewritten += `${wrapped.slice(from, at)}.`;
    from = at;
  }
  rewritten += wrapped.slice(from);
  const parsed = parseTemplate(rewritten);
  if ('error' in parsed) return { error: backToSource(parsed.error, insertAt, source) };
  return parsed;
}

/** Offsets in `wrapped` of the bare names that become fields, in order. */
function bareNameOffsets(wrapped: string): number[] {
  const offsets: number[] = [];
  for (const segment of lex(wrapped)) {
    if (segment.kind !== 'action') continue;
    for (const token of segment.tokens) {
      if (token.kind !== 'ident') continue;
      if (KEEP_AS_WORDS.has(token.text) || FUNCTIONS.has(token.text)) continue;
      offsets.push(token.offset);
    }
  }
  return offsets;
}

/** Maps an error in the rewritten, wrapped text back to the text the user wrote. */
function backToSource(error: TemplateError, insertAt: readonly number[], source: string): TemplateError {
  // Each inserted dot before a position shifts it right by one; an insertion at offset `o` of the
  // wrapped text lands at `o + i` of the rewritten text (i earlier insertions).
  let shift = 0;
  insertAt.forEach((at, i) => {
    if (error.offset > at + i) shift++;
  });
  const offset = Math.max(0, Math.min(source.length, error.offset - shift - OPEN.length));
  return { message: error.message, offset, length: Math.min(error.length, source.length - offset) };
}
