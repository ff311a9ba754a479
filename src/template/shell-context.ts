// Follows the shell's quoting state through a rendered command or script, so that each substituted
// value can be escaped for the place it lands in: unquoted, inside '…' or "…", in a comment, in a
// here-document, in ${…}, `…` or $'…', or where bash evaluates text as arithmetic. Commands run
// under sh (dash) or bash, which read $'…' and $[…] differently, so the text is read both ways.

export interface ContextFlags {
  /** The previous character is a backslash that escapes whatever comes next. */
  readonly afterBackslash: boolean;
  /** The previous character is a `$` that would combine with what comes next (`$'…'`, `$(…)`, `$name`). */
  readonly afterDollar: boolean;
  /** Inside (( … )), $(( … )), [[ … ]] or a let/declare command, where bash may evaluate text as arithmetic. */
  readonly arithmetic: boolean;
  /**
   * Inside, or on the same line after, a bash array assignment `name=( … )`: after a syntax error
   * there (a nested `(`), bash skips the rest of the line and runs the next one, so a value's line
   * breaks are not safe.
   */
  readonly arrayAssignment: boolean;
  /**
   * A `case` statement appeared inside `$( … )`: its patterns end in an unmatched `)`, so where that
   * substitution ends (and what quoting follows) is no longer certain.
   */
  readonly uncertain: boolean;
  /** Every here-document being read, innermost last: a value must not contain a line that ends one. */
  readonly heredocs: readonly HeredocEnd[];
}

export interface HeredocEnd {
  readonly delimiter: string;
  readonly stripTabs: boolean;
  /** Nothing but (strippable) tabs precedes this point on the current line (known for the innermost only). */
  readonly atLineStart: boolean;
}

export type ShellContext =
  | (ContextFlags & {
      /** `ambiguous`: sh and bash would read this spot differently. */
      readonly kind: 'plain' | 'single' | 'double' | 'ansi' | 'backtick' | 'comment' | 'brace' | 'ambiguous';
    })
  | (ContextFlags & { readonly kind: 'heredoc'; readonly quoted: boolean });

/** Unquoted text: the top level, or the inside of `$( … )` or `$[ … ]` (which close at their own `)`/`]`). */
interface PlainFrame {
  readonly kind: 'plain';
  readonly closer: ')' | ']' | null;
  parens: number;
  /** Open `[` inside a `$[ … ]` frame. */
  squares: number;
  /**
   * Inside `((` arithmetic: the paren depth that ends it (both parens closed), or -1 for a whole
   * `$(( … ))` or `$[ … ]` frame; null outside. `<<` there is most likely a shift.
   */
  arithmeticUntil: number | null;
  /** Open `[[ … ]]` tests, whose operands bash may evaluate as arithmetic. */
  brackets: number;
  /** The paren depth at which a `name=(` array assignment began, or -1. */
  arrayFrom: number;
  /** The current command is `let`, `declare`, `typeset` or `local` (`-i` makes their assignments arithmetic). */
  arithmeticCommand: boolean;
}

interface HeredocFrame {
  readonly kind: 'heredoc';
  readonly delimiter: string;
  readonly quoted: boolean;
  readonly stripTabs: boolean;
  /** The current line so far (capped: it only has to be compared with the delimiter). */
  line: string;
  /** Open `$[ … ]` arithmetic (read as plain text up to its `]`, not as nested quoting). */
  squares: number;
}

interface DoubleFrame {
  readonly kind: 'double';
  /** Open `$[ … ]` arithmetic: inside "…" bash reads it up to its `]` without nested quoting. */
  squares: number;
}

/** `${ … }`: quotes inside it follow rules of their own, so values that need quoting are refused there. */
interface BraceFrame {
  readonly kind: 'brace';
  depth: number;
}

type Frame =
  | PlainFrame
  | HeredocFrame
  | DoubleFrame
  | BraceFrame
  | { readonly kind: 'single' | 'ansi' | 'backtick' | 'comment' };

interface HeredocWord {
  /** Read inside arithmetic, where `<<` is most likely a shift. */
  readonly possible: boolean;
  readonly stripTabs: boolean;
  text: string;
  quoted: boolean;
  quote: string | null;
  escapeNext: boolean;
  started: boolean;
}

type PendingHeredoc = Pick<HeredocFrame, 'delimiter' | 'quoted' | 'stripTabs'>;

function doubleFrame(): DoubleFrame {
  return { kind: 'double', squares: 0 };
}

const WORD_END = /[\s;&|()<>]/;
const COMMAND_END = /[;&|\n]/;
const ARITHMETIC_COMMANDS = new Set(['let', 'declare', 'typeset', 'local']);

function plainFrame(closer: ')' | ']' | null): PlainFrame {
  return {
    kind: 'plain',
    closer,
    parens: 0,
    squares: 0,
    arrayFrom: -1,
    // `$[ … ]` is bash's old arithmetic expansion.
    arithmeticUntil: closer === ']' ? -1 : null,
    brackets: 0,
    arithmeticCommand: false,
  };
}

export type ShellDialect = 'bash' | 'posix';

/** Reads rendered text as bash and as POSIX sh would; where they disagree the context is `ambiguous`. */
export class ShellQuoteTracker {
  private readonly bash = new DialectTracker('bash');
  private readonly posix = new DialectTracker('posix');

  feed(text: string): void {
    this.bash.feed(text);
    this.posix.feed(text);
  }

  context(): ShellContext {
    const a = this.bash.context();
    const b = this.posix.context();
    const flags: ContextFlags = {
      afterBackslash: a.afterBackslash || b.afterBackslash,
      afterDollar: a.afterDollar || b.afterDollar,
      arithmetic: a.arithmetic || b.arithmetic,
      arrayAssignment: a.arrayAssignment || b.arrayAssignment,
      uncertain: a.uncertain || b.uncertain,
      heredocs: [...a.heredocs, ...b.heredocs],
    };
    const agree =
      a.kind === b.kind && (a.kind !== 'heredoc' || b.kind !== 'heredoc' || a.quoted === b.quoted);
    return agree ? { ...a, ...flags } : { kind: 'ambiguous', ...flags };
  }
}

/** A character-level model of one shell's quoting, fed with everything rendered so far, in order. */
class DialectTracker {
  private readonly stack: Frame[] = [plainFrame(null)];
  private escaped = false;
  private previous = '';
  /** The previous character is a `$` that starts an expansion (the second `$` of `$$` does not). */
  private dollar = false;
  private wordStart = true;
  /** The unquoted word being read, when it began at a word start (to spot `[[`, `]]` and `let`). */
  private word: string | null = null;
  /** A `name=(` array assignment appeared on the current top-level line. */
  private arrayOnLine = false;
  /** See ContextFlags.uncertain; once set it stays set. */
  private uncertain = false;
  private lessThans = 0;
  private heredocWord: HeredocWord | null = null;
  private readonly pending: PendingHeredoc[] = [];
  /**
   * Words after `<<` inside arithmetic: a shift to us, but bash re-reads a `$(( … ))` that is not
   * valid arithmetic as a command substitution, so each may still end a here-document.
   */
  private readonly possibleDelimiters = new Set<string>();

  constructor(private readonly dialect: ShellDialect) {}

  feed(text: string): void {
    for (let i = 0; i < text.length; i++) this.step(text[i]!);
  }

  context(): ShellContext {
    const top = this.top();
    const flags: ContextFlags = {
      afterBackslash: this.escaped,
      afterDollar:
        this.dollar &&
        (top.kind === 'plain' ||
          top.kind === 'double' ||
          top.kind === 'brace' ||
          (top.kind === 'heredoc' && !top.quoted)),
      arithmetic: this.stack.some(
        (f) =>
          (f.kind === 'plain' && (f.arithmeticUntil !== null || f.brackets > 0 || f.arithmeticCommand)) ||
          ((f.kind === 'double' || f.kind === 'heredoc') && f.squares > 0),
      ),
      arrayAssignment: this.arrayOnLine || this.stack.some((f) => f.kind === 'plain' && f.arrayFrom >= 0),
      uncertain: this.uncertain,
      heredocs: this.heredocEnds(top),
    };
    if (top.kind === 'heredoc') return { kind: 'heredoc', ...flags, quoted: top.quoted };
    return { kind: top.kind, ...flags };
  }

  /**
   * Bash finds the end of a here-document by its lines before it parses any $( … ) inside it, so
   * every open here-document counts, not only the innermost; possible ones count everywhere.
   */
  private heredocEnds(top: Frame): HeredocEnd[] {
    const ends: HeredocEnd[] = [];
    for (const f of this.stack) {
      if (f.kind !== 'heredoc') continue;
      const atLineStart = f !== top || (f.stripTabs ? /^\t*$/.test(f.line) : f.line === '');
      ends.push({ delimiter: f.delimiter, stripTabs: f.stripTabs, atLineStart });
    }
    for (const delimiter of this.possibleDelimiters)
      ends.push({ delimiter, stripTabs: true, atLineStart: true });
    return ends;
  }

  private top(): Frame {
    return this.stack[this.stack.length - 1]!;
  }

  private push(frame: Frame): void {
    this.stack.push(frame);
  }

  private pop(): void {
    if (this.stack.length > 1) this.stack.pop();
  }

  private step(ch: string): void {
    const top = this.top();
    const dollar = this.dollar;
    this.dollar = false;
    if (this.escaped) {
      this.escaped = false;
      // A backslash and a line break join two lines of a here-document into the line its end is looked for in.
      if (top.kind === 'heredoc' && ch !== '\n') this.appendLine(top, `\\${ch}`);
      if (top.kind === 'plain') {
        this.wordStart = false;
        this.word = null;
      }
      this.previous = '';
      return;
    }
    switch (top.kind) {
      case 'single':
        if (ch === "'") this.pop();
        break;
      case 'ansi':
        if (ch === '\\') this.escaped = true;
        else if (ch === "'") this.pop();
        break;
      case 'backtick':
        if (ch === '\\') this.escaped = true;
        else if (ch === '`') this.pop();
        break;
      case 'comment':
        if (ch === '\n') {
          this.pop();
          this.wordStart = true;
          this.endCommand();
          this.startPendingHeredoc();
        }
        break;
      case 'double':
        if (ch === '\\') this.escaped = true;
        else if (ch === '"') this.pop();
        else if (!this.stepSquare(top, ch, dollar)) this.stepSubstitution(ch, dollar);
        break;
      case 'brace':
        this.stepBrace(top, ch, dollar);
        break;
      case 'heredoc':
        this.stepHeredoc(top, ch, dollar);
        break;
      case 'plain':
        this.stepPlain(top, ch, dollar);
        break;
    }
    this.previous = ch;
    if (ch === '$' && top.kind !== 'single' && top.kind !== 'ansi' && top.kind !== 'comment')
      this.dollar = !dollar;
  }

  /** `$(`, `${` and backquotes open substitutions inside "…", ${…} and unquoted here-documents. */
  private stepSubstitution(ch: string, dollar: boolean): void {
    if (ch === '`') this.push({ kind: 'backtick' });
    else if (ch === '{' && dollar) this.push({ kind: 'brace', depth: 0 });
    else if (ch === '(' && dollar) {
      this.push(plainFrame(')'));
      this.wordStart = true;
      this.word = null;
    }
  }

  /** Counts `$[` … `]` inside "…" and here-documents; true when `ch` was one of them. */
  private stepSquare(frame: DoubleFrame | HeredocFrame, ch: string, dollar: boolean): boolean {
    if (ch === '[' && dollar && this.dialect === 'bash') frame.squares++;
    else if (ch === ']' && frame.squares > 0) frame.squares--;
    else return false;
    return true;
  }

  private stepBrace(frame: BraceFrame, ch: string, dollar: boolean): void {
    if (ch === '\\') this.escaped = true;
    else if (ch === "'") this.push({ kind: 'single' });
    else if (ch === '"') this.push(doubleFrame());
    else if (ch === '}') {
      if (frame.depth === 0) this.pop();
      else frame.depth--;
    } else if (ch === '{' && !dollar) frame.depth++;
    else this.stepSubstitution(ch, dollar);
  }

  private appendLine(frame: HeredocFrame, ch: string): void {
    if (frame.line.length <= frame.delimiter.length + 1024) frame.line += ch;
  }

  private stepHeredoc(frame: HeredocFrame, ch: string, dollar: boolean): void {
    if (
      !frame.quoted &&
      (ch === '\\' || ch === '`' || ch === '(' || ch === '[' || ch === ']' || ch === '{')
    ) {
      if (ch === '\\') {
        this.escaped = true;
        return;
      }
      this.appendLine(frame, ch);
      if (!this.stepSquare(frame, ch, dollar)) this.stepSubstitution(ch, dollar);
      return;
    }
    if (ch !== '\n') {
      this.appendLine(frame, ch);
      return;
    }
    const line = frame.stripTabs ? frame.line.replace(/^\t+/, '') : frame.line;
    if (line !== frame.delimiter) {
      frame.line = '';
      return;
    }
    this.pop();
    this.wordStart = true;
    this.startPendingHeredoc();
  }

  private stepPlain(frame: PlainFrame, ch: string, dollar: boolean): void {
    if (this.heredocWord !== null && this.collectHeredocWord(ch)) return;
    if (WORD_END.test(ch)) this.endWord(frame);
    if (COMMAND_END.test(ch)) frame.arithmeticCommand = false;
    if (ch === '<') {
      this.lessThans++;
      this.wordStart = true;
      return;
    }
    if (this.lessThans > 0) {
      const run = this.lessThans;
      this.lessThans = 0;
      if (run === 2) {
        this.heredocWord = {
          possible: frame.arithmeticUntil !== null,
          stripTabs: ch === '-',
          text: '',
          quoted: false,
          quote: null,
          escapeNext: false,
          started: false,
        };
        if (ch === '-' || this.collectHeredocWord(ch)) return;
      }
    }
    switch (ch) {
      case '\\':
        this.escaped = true;
        break;
      case "'":
      case '"':
      case '`':
        // $'…' is ANSI-C quoting in bash; dash reads `$` and then '…'.
        if (ch === "'") this.push({ kind: dollar && this.dialect === 'bash' ? 'ansi' : 'single' });
        else if (ch === '"') this.push(doubleFrame());
        else this.push({ kind: 'backtick' });
        this.wordStart = false;
        this.word = null;
        break;
      case '{':
        if (dollar) {
          this.push({ kind: 'brace', depth: 0 });
          this.word = null;
        } else this.readWordCharacter(ch);
        break;
      case '#':
        if (this.wordStart) this.push({ kind: 'comment' });
        else this.readWordCharacter(ch);
        break;
      case '[':
        // $[ … ] is bash's old arithmetic expansion; dash reads plain characters.
        if (dollar && this.dialect === 'bash') {
          this.push(plainFrame(']'));
          this.wordStart = true;
          this.word = null;
          break;
        }
        if (frame.closer === ']') frame.squares++;
        this.readWordCharacter(ch);
        break;
      case ']':
        if (frame.closer === ']' && frame.squares === 0) {
          this.pop();
          this.wordStart = false;
          this.word = null;
          break;
        }
        if (frame.closer === ']') frame.squares--;
        this.readWordCharacter(ch);
        break;
      case '(':
        if (dollar) {
          this.push(plainFrame(')'));
        } else {
          frame.parens++;
          // Bash reads `((` (and `$((`) up to a `))`, unbalanced parens inside or not.
          if (this.previous === '(' && frame.arithmeticUntil === null)
            frame.arithmeticUntil = frame.parens - 2;
          if (this.previous === '=' && frame.arrayFrom < 0) {
            frame.arrayFrom = frame.parens;
            this.arrayOnLine = true;
          }
        }
        this.wordStart = true;
        break;
      case ')':
        if (frame.closer === ')' && frame.parens === 0) {
          this.pop();
          this.wordStart = false;
        } else {
          frame.parens = Math.max(0, frame.parens - 1);
          if (frame.arithmeticUntil !== null && frame.parens <= frame.arithmeticUntil)
            frame.arithmeticUntil = null;
          if (frame.arrayFrom > frame.parens) frame.arrayFrom = -1;
          this.wordStart = true;
        }
        break;
      case '\n':
        this.wordStart = true;
        if (frame === this.stack[0] && frame.arrayFrom < 0) this.arrayOnLine = false;
        this.startPendingHeredoc();
        break;
      case ' ':
      case '\t':
      case ';':
      case '&':
      case '|':
      case '>':
        this.wordStart = true;
        break;
      default:
        this.readWordCharacter(ch);
    }
  }

  private readWordCharacter(ch: string): void {
    if (this.wordStart) this.word = ch;
    else if (this.word !== null && this.word.length < 8) this.word += ch;
    else this.word = null;
    this.wordStart = false;
  }

  /** Notes the words that change how bash reads what follows: `[[`, `]]`, `let` and the like. */
  private endWord(frame: PlainFrame): void {
    const word = this.word;
    this.word = null;
    if (word === '[[') frame.brackets++;
    else if (word === ']]') frame.brackets = Math.max(0, frame.brackets - 1);
    else if (word !== null && ARITHMETIC_COMMANDS.has(word)) frame.arithmeticCommand = true;
    else if (word === 'case' && frame.closer === ')') this.uncertain = true;
  }

  private endCommand(): void {
    const top = this.top();
    if (top.kind === 'plain') top.arithmeticCommand = false;
  }

  /** Collects the delimiter word after `<<`; false when `ch` ends the word and must be read normally. */
  private collectHeredocWord(ch: string): boolean {
    const word = this.heredocWord!;
    if (word.quote !== null) {
      if (ch === word.quote) word.quote = null;
      else word.text += ch;
      return true;
    }
    if (word.escapeNext) {
      word.text += ch;
      word.escapeNext = false;
      return true;
    }
    if (!word.started && (ch === ' ' || ch === '\t')) return true;
    if (ch === "'" || ch === '"' || ch === '\\') {
      word.quoted = true;
      word.started = true;
      if (ch === '\\') word.escapeNext = true;
      else word.quote = ch;
      return true;
    }
    if (WORD_END.test(ch)) {
      this.heredocWord = null;
      if (word.started && word.possible) this.possibleDelimiters.add(word.text);
      else if (word.started)
        this.pending.push({ delimiter: word.text, quoted: word.quoted, stripTabs: word.stripTabs });
      return false;
    }
    word.text += ch;
    word.started = true;
    return true;
  }

  private startPendingHeredoc(): void {
    const next = this.pending.shift();
    if (next !== undefined) this.push({ kind: 'heredoc', ...next, line: '', squares: 0 });
  }
}
