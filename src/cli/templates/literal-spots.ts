// Where the literal values of a command or script are, and what role each plays in its shell
// command, so that `template generate` can tell a value (`production` in `--env production`, `v2`
// in `api:v2`) from the words that name the command (`sysctl deploy`). Only the template's
// top-level text is read: text inside `{{ }}`, and inside if/range/with blocks (where `.` may be
// rebound), is opaque. A heuristic reading of shell, not a parser: the caller verifies by rendering.
import { parseTemplate } from '../../template/index.ts';

export type SpotRole =
  /**
   * After a flag (`--env X`, `--env=X`), after a redirection, in an assignment, or a piece of a
   * word such as `api:v2`.
   */
  | 'value'
  /** A bare argument after the subcommand, such as `api` in `sysctl deploy api`. */
  | 'operand'
  /** Inside a quoted string with spaces: a message. */
  | 'prose';

export interface LiteralSpot {
  readonly literal: string;
  /** Offset in the template source. */
  readonly offset: number;
  readonly role: SpotRole;
  /** Whether the literal is a whole shell word, or one piece of one. */
  readonly shape: 'word' | 'part';
  /** For operands: the words of the command before it (`sysctl deploy`). */
  readonly context?: string;
  /** For values after a flag: the flag's name (`env`). */
  readonly flag?: string;
}

/** Stands for text the scanner must not read as a literal: template actions, escaped characters. */
const OPAQUE = '\u0000';
const ATOM_CHAR = /[A-Za-z0-9_.-]/;
const SAFE_WORD = /^[A-Za-z0-9/][A-Za-z0-9._,:/=@+-]*$/;
const ATOM_ENDS = /^[A-Za-z0-9](?:.*[A-Za-z0-9])?$/;
const SUBCOMMAND = /^[A-Za-z][A-Za-z0-9_-]*$/;
/** Words where a program name is expected that are not the program: the command follows them. */
const SHELL_KEYWORDS = new Set([
  ...'if then else elif fi do done while until case esac in function select'.split(' '),
  ...'{ } ! time exec sudo command nohup'.split(' '),
]);

interface Char {
  readonly ch: string;
  readonly at: number;
  /** Quoted segment number, or -1 when unquoted. */
  readonly segment: number;
}

type Item = { readonly kind: 'word'; readonly chars: Char[] } | { readonly kind: 'redirect' };

/** Every literal of a template's top-level text with its role; none when the template does not parse. */
export function literalSpots(source: string): LiteralSpot[] {
  const masked = maskTemplateActions(source);
  if (masked === undefined) return [];
  const { commands, proseSegments } = scan(masked);
  const spots: LiteralSpot[] = [];
  for (const command of commands) classify(command, proseSegments, spots);
  return spots;
}

/** The source with everything but top-level text replaced by OPAQUE, offsets unchanged. */
function maskTemplateActions(source: string): string | undefined {
  const parsed = parseTemplate(source);
  if ('error' in parsed) return undefined;
  const chars = new Array<string>(source.length).fill(OPAQUE);
  for (const node of parsed.template.nodes) {
    if (node.kind !== 'text') continue;
    for (let i = node.offset; i < node.offset + node.length; i++) chars[i] = source[i] as string;
  }
  return chars.join('');
}

/** Splits text into simple commands of words, tracking quotes; quoted segments with spaces are prose. */
function scan(text: string): { commands: Item[][]; proseSegments: Set<number> } {
  const commands: Item[][] = [];
  const proseSegments = new Set<number>();
  let command: Item[] = [];
  let word: Char[] | null = null;
  let quote: "'" | '"' | null = null;
  let segment = -1;
  let segments = 0;
  const add = (ch: string, at: number): void => {
    (word ??= []).push({ ch, at, segment: quote ? segment : -1 });
  };
  const endWord = (): void => {
    if (word) command.push({ kind: 'word', chars: word });
    word = null;
  };
  const endCommand = (): void => {
    endWord();
    if (command.length > 0) commands.push(command);
    command = [];
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quote) {
      if (ch === quote) quote = null;
      else if (quote === '"' && ch === '\\') add(OPAQUE, i++);
      else {
        if (/\s/.test(ch)) proseSegments.add(segment);
        add(ch, i);
      }
      continue;
    }
    if (ch === ' ' || ch === '\t') endWord();
    else if (ch === '\n' || ';&|()`'.includes(ch)) endCommand();
    else if (ch === '<' || ch === '>') {
      endWord();
      if (command.at(-1)?.kind !== 'redirect') command.push({ kind: 'redirect' });
    } else if (ch === '#' && word === null) {
      const eol = text.indexOf('\n', i);
      i = (eol === -1 ? text.length : eol) - 1;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      segment = segments++;
      word ??= [];
    } else if (ch === '\\') add(OPAQUE, i++);
    else add(ch, i);
  }
  endCommand();
  return { commands, proseSegments };
}

function textOf(chars: readonly Char[]): string {
  return chars.map((c) => c.ch).join('');
}

/** Walks one simple command: program, flags and their values, subcommand, operands. */
function classify(command: readonly Item[], prose: ReadonlySet<number>, out: LiteralSpot[]): void {
  let expectProgram = true;
  let loopWords = false;
  let skipNext = false;
  let redirect = false;
  let pendingFlag: string | null = null;
  let operands = 0;
  const context: string[] = [];
  const emit = (chars: readonly Char[], role: SpotRole, extra: { context?: string; flag?: string } = {}) =>
    emitWord(chars, role, extra, prose, out);
  for (const item of command) {
    if (item.kind === 'redirect') {
      redirect = true;
      continue;
    }
    const chars = item.chars;
    const text = textOf(chars);
    const unquotedDash = chars[0]?.ch === '-' && chars[0].segment === -1 && chars.length > 1;
    if (redirect) {
      emit(chars, 'value');
      redirect = false;
    } else if (skipNext) {
      skipNext = false; // the variable of `for NAME in …`
    } else if (expectProgram) {
      if (text === 'for' || text === 'select') {
        skipNext = true;
        loopWords = true;
      } else if (loopWords) {
        if (text !== 'in') emit(chars, 'value');
      } else if (SHELL_KEYWORDS.has(text)) {
        // Not a program: the command proper comes next.
      } else if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(text) && chars[0]?.segment === -1) {
        emit(chars.slice(text.indexOf('=') + 1), 'value'); // NAME=value before a command
      } else {
        expectProgram = false; // The program itself is never a parameter.
        context.push(text);
      }
    } else if (unquotedDash) {
      const eq = text.indexOf('=');
      const name = text.slice(text.startsWith('--') ? 2 : 1, eq === -1 ? undefined : eq);
      pendingFlag = eq === -1 && text !== '--' ? name : null;
      if (eq !== -1) emit(chars.slice(eq + 1), 'value', { flag: name });
    } else if (pendingFlag !== null) {
      emit(chars, 'value', { flag: pendingFlag });
      pendingFlag = null;
    } else {
      operands++;
      const single = isSingleAtom(chars);
      // The first bare word names what the program does (`deploy` in `sysctl deploy api`), unless
      // it cannot be a subcommand's name (`db.example.com` in `ping db.example.com`).
      const subcommand = operands === 1 && SUBCOMMAND.test(text);
      if (!subcommand) emit(chars, single ? 'operand' : 'value', { context: context.join(' ') });
      context.push(text);
    }
  }
}

function isSingleAtom(chars: readonly Char[]): boolean {
  return chars.length > 0 && chars.every((c) => ATOM_CHAR.test(c.ch));
}

/** Emits the atoms of a word (runs of [A-Za-z0-9_.-]), and the whole word when it is a safe compound. */
function emitWord(
  chars: readonly Char[],
  role: SpotRole,
  extra: { context?: string; flag?: string },
  prose: ReadonlySet<number>,
  out: LiteralSpot[],
): void {
  if (chars.length === 0) return;
  const isProse = (c: Char) => c.segment !== -1 && prose.has(c.segment);
  const contiguous = chars.every((c, i) => i === 0 || c.at === (chars[i - 1] as Char).at + 1);
  const whole = textOf(chars);
  const atoms: { start: number; end: number }[] = [];
  let start = -1;
  const close = (end: number): void => {
    if (start !== -1) atoms.push({ start, end });
    start = -1;
  };
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as Char;
    const prev = chars[i - 1];
    if (!ATOM_CHAR.test(c.ch)) close(i);
    else {
      // An atom never spans a quote (`a'b'`) or a change between prose and non-prose.
      if (prev && (c.at !== prev.at + 1 || isProse(c) !== isProse(prev))) close(i);
      if (start === -1) start = i;
    }
  }
  close(chars.length);
  for (const { start: s, end: e } of atoms) {
    const literal = textOf(chars.slice(s, e));
    const before = chars[s - 1]?.ch;
    // `$name` and `${name}` are shell variables, not literals.
    if (before === '$' || (before === '{' && chars[s - 2]?.ch === '$')) continue;
    if (!ATOM_ENDS.test(literal)) continue;
    const first = chars[s] as Char;
    const isWhole = s === 0 && e === chars.length;
    out.push({
      literal,
      offset: first.at,
      role: isProse(first) ? 'prose' : role,
      shape: isWhole ? 'word' : 'part',
      ...(extra.context !== undefined && role === 'operand' ? { context: extra.context } : {}),
      ...(extra.flag !== undefined ? { flag: extra.flag } : {}),
    });
  }
  const compound =
    atoms.length > 1 || (atoms.length === 1 && whole.length !== atoms[0]!.end - atoms[0]!.start);
  if (
    compound &&
    contiguous &&
    !chars.some(isProse) &&
    SAFE_WORD.test(whole) &&
    ATOM_ENDS.test(whole.slice(-1))
  ) {
    out.push({
      literal: whole,
      offset: (chars[0] as Char).at,
      role: 'value',
      shape: 'word',
      ...(extra.flag !== undefined ? { flag: extra.flag } : {}),
    });
  }
}
