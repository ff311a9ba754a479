// POSIX shell quoting: a value becomes one literal word (or literal text inside the quotes it lands
// in) that the shell never expands, splits or executes.

/** Characters that mean nothing to the shell in any quoting context. */
const PLAINLY_SAFE = /^[A-Za-z0-9._,:/=@+-]+$/;

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
