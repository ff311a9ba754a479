// POSIX shell quoting: a value becomes one literal word, or literal text inside the quotes it lands
// in, that the shell never expands, splits or executes; where no escaping is safe (inside `…`, ${…}
// or $'…', right after $ or \, or where bash evaluates text as arithmetic, which runs any `$(…)`
// in it, quoted or not) a value that needs quoting is refused instead.
import { itemText, toText } from './format.ts';
import type { HeredocEnd, ShellContext } from './shell-context.ts';
import { ValueFailure } from './template-error.ts';
import { RawValue } from './values.ts';

/** Characters that mean nothing to the shell in any quoting context. */
const PLAINLY_SAFE = /^[A-Za-z0-9._,:/=@+-]+$/;
const SUBSTITUTION_CHARACTERS = /[$`]/;

export function isPlainlySafe(s: string): boolean {
  return PLAINLY_SAFE.test(s);
}

/**
 * One shell word that stands for exactly `s`: unchanged when plainly safe, `''` when empty, otherwise
 * single-quoted with each `'` written as `'\''`. (A NUL byte cannot be passed to a shell at all.)
 */
export function shellEscape(s: string): string {
  if (s === '') return "''";
  if (isPlainlySafe(s)) return s;
  return `'${escapeInsideSingleQuotes(s)}'`;
}

/** Text that stays literal inside an open '…': each quote closes, adds an escaped quote, and reopens. */
export function escapeInsideSingleQuotes(s: string): string {
  return s.replaceAll("'", "'\\''");
}

/** Text that stays literal inside an open "…": only \, $, ` and " are special there. */
export function escapeInsideDoubleQuotes(s: string): string {
  return s.replace(/[\\$`"]/g, '\\$&');
}

/** Text that stays literal in the body of a here-document whose delimiter was not quoted. */
export function escapeInsideHeredoc(s: string): string {
  return s.replace(/[\\$`]/g, '\\$&');
}

/**
 * The text a value becomes in a command or script: escaped for the context it lands in (list items
 * one by one when unquoted), or verbatim when marked `raw`. Throws ValueFailure where no escaping
 * is safe.
 */
export function renderForShell(value: unknown, context: ShellContext): string {
  if (value instanceof RawValue) return toText(value.value);
  const text = toText(value);
  const safe = text === '' || isPlainlySafe(text);
  if (context.arithmetic && SUBSTITUTION_CHARACTERS.test(text)) {
    throw new ValueFailure(
      'a value containing $ or ` cannot be used inside (( … )), $(( … )), [[ … ]], let or declare: bash may evaluate it as arithmetic, which runs commands',
    );
  }
  if (context.arrayAssignment && /[\r\n]/.test(text)) {
    throw new ValueFailure(
      'a value containing a line break cannot be used inside an array assignment name=( … )',
    );
  }
  if (context.uncertain && !safe) {
    throw new ValueFailure(
      'a value that needs quoting cannot follow a case statement inside $( … ), whose unmatched ) hides where the substitution ends: move the case out of $( … )',
    );
  }
  if (context.afterDollar && !safe)
    throw new ValueFailure("a value that needs quoting cannot directly follow '$'");
  if (context.afterBackslash && !safe)
    throw new ValueFailure('a value that needs quoting cannot follow a backslash');
  for (const heredoc of context.heredocs) checkHeredocEnd(text, heredoc);
  if (context.kind === 'plain') {
    if (Array.isArray(value)) return value.map((item) => shellEscape(itemText(item))).join(' ');
    return shellEscape(text);
  }
  if (safe) return text;
  switch (context.kind) {
    case 'single':
      return escapeInsideSingleQuotes(text);
    case 'double':
      return escapeInsideDoubleQuotes(text);
    case 'ansi':
      // dash reads $'…' as `$` and '…', bash as ANSI-C quoting: no escaping is right for both.
      throw new ValueFailure("a value that needs quoting cannot be substituted inside $'…'");
    case 'comment':
      // A line break would end the comment and run the rest.
      return text.replace(/[\r\n]+/g, ' ');
    case 'heredoc':
      return context.quoted ? text : escapeInsideHeredoc(text);
    case 'backtick':
      throw new ValueFailure('a value that needs quoting cannot be substituted inside `…`: use $(…) instead');
    case 'brace':
      throw new ValueFailure('a value that needs quoting cannot be substituted inside ${…}');
    case 'ambiguous':
      throw new ValueFailure(
        "a value that needs quoting cannot be substituted where sh and bash read the text differently (after $'…' or $[…])",
      );
  }
}

function checkHeredocEnd(text: string, heredoc: HeredocEnd): void {
  text.split('\n').forEach((line, i) => {
    if (i === 0 && !heredoc.atLineStart) return;
    const stripped = heredoc.stripTabs ? line.replace(/^\t+/, '') : line;
    const ends = heredoc.delimiter === '' ? stripped === '' && i > 0 : stripped.startsWith(heredoc.delimiter);
    if (ends) {
      throw new ValueFailure(
        `the value would end the here-document early: one of its lines starts with the delimiter '${heredoc.delimiter}'`,
      );
    }
  });
}
