// The parser: turns lexed segments into the syntax tree. It checks structure (if/range/with/else/end),
// variables, function names and arities, and nesting depth, and decides whether `and`/`or`/`not`
// are Go function calls (`and (eq .a 1) .b`) or infix operators (`.a and .b`) by their position.
import type {
  Branch,
  CallExpr,
  CompareOperator,
  ConditionalNode,
  Declaration,
  Expr,
  FieldName,
  Node,
  Pipeline,
  RangeNode,
  VariableExpr,
} from './ast.ts';
import { suggest } from './did-you-mean.ts';
import { FUNCTIONS } from './functions.ts';
import type { Segment, Token } from './lexer.ts';
import type { TemplateLimits } from './limits.ts';
import { TemplateFailure } from './template-error.ts';

type ActionSegment = Extract<Segment, { kind: 'action' }>;

/** Words that are operators between operands (and function names at the start of a command). */
const OPERATOR_WORDS = new Set(['and', 'or', 'not', 'in']);
const LITERAL_WORDS = new Map<string, boolean | null>([
  ['true', true],
  ['false', false],
  ['nil', null],
]);
const COMPARISON_OPS = new Set(['==', '!=', '<', '<=', '>', '>=']);
const CONTROL_WORDS = new Set(['if', 'else', 'end', 'range', 'with', 'break', 'continue']);
const UNSUPPORTED_WORDS = new Set(['define', 'template', 'block']);

/** Parses lexed segments; a problem is thrown as a TemplateFailure. */
export function parse(segments: readonly Segment[], limits: TemplateLimits): Node[] {
  return new Parser(segments, limits).parseTemplate();
}

class Tokens {
  private pos = 0;
  /** Offset just past the last token taken. */
  consumedEnd: number;

  constructor(private readonly list: readonly Token[]) {
    this.consumedEnd = list[0]?.offset ?? 0;
  }

  peek(ahead = 0): Token {
    return this.list[Math.min(this.pos + ahead, this.list.length - 1)]!;
  }

  next(): Token {
    const token = this.peek();
    if (this.pos < this.list.length - 1) this.pos++;
    this.consumedEnd = token.offset + token.length;
    return token;
  }
}

type Stop =
  | { readonly keyword: 'eof' }
  | { readonly keyword: 'end' | 'else'; readonly tokens: Tokens; readonly token: Token };

function isOp(token: Token, text: string): boolean {
  return token.kind === 'op' && token.text === text;
}

function isWord(token: Token, word: string): boolean {
  return token.kind === 'ident' && token.text === word;
}

/** Tokens that can begin an operand: after an infix operator, or as the operand of `not`. */
function startsOperand(token: Token): boolean {
  switch (token.kind) {
    case 'field':
    case 'variable':
    case 'dot':
    case 'string':
    case 'number':
      return true;
    case 'ident':
      return token.text !== 'in';
    case 'op':
      return token.text === '(' || token.text === '[';
    default:
      return false;
  }
}

/** Tokens that can be a function's next argument: an operand, but not an operator word. */
function startsArgument(token: Token): boolean {
  return startsOperand(token) && !(token.kind === 'ident' && OPERATOR_WORDS.has(token.text));
}

function describe(token: Token): string {
  if (token.kind === 'end') return 'the end of the action';
  const text = token.text.length > 30 ? `${token.text.slice(0, 30)}…` : token.text;
  return `'${text}'`;
}

function endOf(span: { offset: number; length: number }): number {
  return span.offset + span.length;
}

function fail(message: string, at: { offset: number; length: number }): never {
  throw new TemplateFailure(message, at.offset, at.length);
}

class Parser {
  private index = 0;
  private depth = 0;
  private loops = 0;
  private readonly scopes: Set<string>[] = [new Set(['$'])];

  constructor(
    private readonly segments: readonly Segment[],
    private readonly limits: TemplateLimits,
  ) {}

  parseTemplate(): Node[] {
    const { nodes, stop } = this.parseNodes();
    if (stop.keyword !== 'eof') fail(`unexpected '${stop.keyword}'`, stop.token);
    return nodes;
  }

  private parseNodes(): { nodes: Node[]; stop: Stop } {
    const nodes: Node[] = [];
    while (this.index < this.segments.length) {
      const segment = this.segments[this.index++]!;
      if (segment.kind === 'text') {
        nodes.push({ kind: 'text', text: segment.text, offset: segment.offset, length: segment.text.length });
        continue;
      }
      const tokens = new Tokens(segment.tokens);
      const first = tokens.peek();
      if (first.kind === 'ident') {
        switch (first.text) {
          case 'if':
          case 'with':
            nodes.push(this.parseConditional(segment, tokens));
            continue;
          case 'range':
            nodes.push(this.parseRange(segment, tokens));
            continue;
          case 'end':
          case 'else':
            tokens.next();
            if (first.text === 'end') this.expectEnd(tokens, "'end'");
            return { nodes, stop: { keyword: first.text, tokens, token: first } };
          case 'break':
          case 'continue':
            tokens.next();
            if (this.loops === 0) fail(`'${first.text}' outside of a 'range'`, first);
            this.expectEnd(tokens, `'${first.text}'`);
            nodes.push({ kind: first.text, offset: segment.offset, length: segment.length });
            continue;
          default:
            if (UNSUPPORTED_WORDS.has(first.text)) {
              fail(
                `'${first.text}' is not supported: workflow templates cannot define or include other templates`,
                first,
              );
            }
        }
      }
      if (first.kind === 'end') fail('empty action: expected a value between {{ and }}', segment);
      const pipeline = this.parsePipeline(tokens, 1);
      this.expectEnd(tokens, null);
      nodes.push({ kind: 'action', pipeline, offset: segment.offset, length: segment.length });
    }
    return { nodes, stop: { keyword: 'eof' } };
  }

  /** A body between control actions has its own variable scope. */
  private parseBody(): { nodes: Node[]; stop: Stop } {
    this.scopes.push(new Set());
    try {
      return this.parseNodes();
    } finally {
      this.scopes.pop();
    }
  }

  private missingEnd(keyword: string, segment: ActionSegment): never {
    fail(`missing 'end' for '${keyword}' opened at offset ${segment.offset}`, segment);
  }

  private parseConditional(segment: ActionSegment, first: Tokens): ConditionalNode {
    const opener = first.next();
    const opened = opener.text;
    this.enter(opener);
    this.scopes.push(new Set());
    const branches: Branch[] = [];
    let elseBody: Node[] | null = null;
    let tokens = first;
    let keyword = opened as 'if' | 'with';
    let keywordToken = opener;
    for (;;) {
      if (!startsOperand(tokens.peek())) {
        fail(`missing ${keyword === 'if' ? 'condition' : 'value'} after '${keyword}'`, keywordToken);
      }
      const pipeline = this.parsePipeline(tokens, 1);
      this.expectEnd(tokens, null);
      const { nodes, stop } = this.parseBody();
      branches.push({ keyword, pipeline, body: nodes });
      if (stop.keyword === 'eof') this.missingEnd(opened, segment);
      if (stop.keyword === 'end') break;
      const next = stop.tokens.peek();
      if (isWord(next, 'if') || isWord(next, 'with')) {
        keywordToken = stop.tokens.next();
        keyword = keywordToken.text as 'if' | 'with';
        tokens = stop.tokens;
        continue;
      }
      this.expectEnd(stop.tokens, "'else'");
      const rest = this.parseBody();
      if (rest.stop.keyword === 'eof') this.missingEnd(opened, segment);
      if (rest.stop.keyword === 'else')
        fail(`unexpected 'else': this '${opened}' already had its final 'else'`, rest.stop.token);
      elseBody = rest.nodes;
      break;
    }
    this.scopes.pop();
    this.leave();
    return { kind: 'conditional', branches, elseBody, offset: segment.offset, length: segment.length };
  }

  private parseRange(segment: ActionSegment, tokens: Tokens): RangeNode {
    const opener = tokens.next();
    this.enter(opener);
    this.scopes.push(new Set());
    if (!startsOperand(tokens.peek())) fail("missing value after 'range'", opener);
    const pipeline = this.parsePipeline(tokens, 2);
    this.expectEnd(tokens, null);
    this.loops++;
    const { nodes: body, stop } = this.parseBody();
    this.loops--;
    if (stop.keyword === 'eof') this.missingEnd('range', segment);
    let elseBody: Node[] | null = null;
    if (stop.keyword === 'else') {
      const next = stop.tokens.peek();
      if (isWord(next, 'if') || isWord(next, 'with')) {
        fail(
          `'else ${next.text}' is not allowed in 'range': write {{ else }}{{ ${next.text} … }}…{{ end }}`,
          next,
        );
      }
      this.expectEnd(stop.tokens, "'else'");
      const rest = this.parseBody();
      if (rest.stop.keyword === 'eof') this.missingEnd('range', segment);
      if (rest.stop.keyword === 'else')
        fail("unexpected 'else': this 'range' already had its 'else'", rest.stop.token);
      elseBody = rest.nodes;
    }
    this.scopes.pop();
    this.leave();
    return { kind: 'range', pipeline, body, elseBody, offset: segment.offset, length: segment.length };
  }

  private expectEnd(tokens: Tokens, after: string | null): void {
    const token = tokens.peek();
    if (token.kind === 'end') return;
    if (isOp(token, ')')) fail("unexpected ')': there is no '(' to close", token);
    fail(`unexpected ${describe(token)}${after === null ? '' : ` after ${after}`}`, token);
  }

  private enter(at: Token): void {
    if (++this.depth > this.limits.maxDepth) {
      fail(`template nests too deeply: more than ${this.limits.maxDepth} levels`, at);
    }
  }

  private leave(): void {
    this.depth--;
  }

  private isDefined(name: string): boolean {
    return this.scopes.some((scope) => scope.has(name));
  }

  private parsePipeline(tokens: Tokens, maxVariables: number): Pipeline {
    const start = tokens.peek();
    const declaration = this.parseDeclaration(tokens, maxVariables);
    const first = tokens.peek();
    if (first.kind === 'end' || isOp(first, ')')) {
      fail(
        declaration === null
          ? 'expected a value'
          : `missing value after '${declaration.assign ? '=' : ':='}'`,
        first,
      );
    }
    const stages = this.parseStages(tokens);
    if (declaration !== null && !declaration.assign) {
      for (const variable of declaration.variables) this.scopes[this.scopes.length - 1]!.add(variable.name);
    }
    return { declaration, stages, offset: start.offset, length: tokens.consumedEnd - start.offset };
  }

  /** An expression followed by any number of `| function …` stages. */
  private parseStages(tokens: Tokens): Expr[] {
    const stages: Expr[] = [this.parseLogical(tokens, 'or')];
    while (isOp(tokens.peek(), '|')) {
      tokens.next();
      stages.push(this.parseStage(tokens));
    }
    const after = tokens.peek();
    if (
      stages.length > 1 &&
      (COMPARISON_OPS.has(after.text) || (after.kind === 'ident' && OPERATOR_WORDS.has(after.text)))
    ) {
      fail(
        `'${after.text}' cannot follow a pipeline stage: put the pipeline in parentheses, as in (… | f) ${after.text} …`,
        after,
      );
    }
    return stages;
  }

  private parseDeclaration(tokens: Tokens, maxVariables: number): Declaration | null {
    if (tokens.peek().kind !== 'variable') return null;
    const isDeclare = (t: Token): boolean => isOp(t, ':=') || isOp(t, '=');
    let count: number;
    if (isDeclare(tokens.peek(1))) count = 1;
    else if (isOp(tokens.peek(1), ',') && tokens.peek(2).kind === 'variable' && isDeclare(tokens.peek(3)))
      count = 2;
    else return null;
    if (count > maxVariables) fail("only 'range' can declare two variables", tokens.peek());
    const variables: VariableExpr[] = [];
    for (let i = 0; i < count; i++) {
      const token = tokens.next();
      if (i < count - 1) tokens.next();
      variables.push({ kind: 'variable', name: token.text, offset: token.offset, length: token.length });
    }
    const assign = tokens.next().text === '=';
    for (const variable of variables) {
      if (variable.name === '$') fail("cannot declare or assign '$': it always holds the data", variable);
      if (assign && !this.isDefined(variable.name)) {
        fail(`undefined variable '${variable.name}' (declare it first with ':=')`, variable);
      }
    }
    return { variables, assign };
  }

  /** A stage after `|`: a function call that receives the previous value as its last argument. */
  private parseStage(tokens: Tokens): CallExpr {
    const token = tokens.peek();
    if (token.kind !== 'ident' || LITERAL_WORDS.has(token.text) || token.text === 'in') {
      fail(`only a function can follow '|', found ${describe(token)}`, token);
    }
    return this.parseCall(tokens, true);
  }

  /** `a or b or c` / `a and b`, flattened so long chains do not nest. */
  private parseLogical(tokens: Tokens, operator: 'or' | 'and'): Expr {
    const operand = (): Expr =>
      operator === 'or' ? this.parseLogical(tokens, 'and') : this.parseNot(tokens);
    const first = operand();
    if (!isWord(tokens.peek(), operator)) return first;
    const operands = [first];
    while (isWord(tokens.peek(), operator)) {
      const op = tokens.next();
      if (!startsOperand(tokens.peek())) fail(`expected a value after '${operator}'`, op);
      operands.push(operand());
    }
    return {
      kind: 'logical',
      operator,
      operands,
      offset: first.offset,
      length: tokens.consumedEnd - first.offset,
    };
  }

  private parseNot(tokens: Tokens): Expr {
    const token = tokens.peek();
    const next = tokens.peek(1);
    if (isWord(token, 'not') && startsOperand(next)) {
      tokens.next();
      this.enter(token);
      const operand = this.parseNot(tokens);
      this.leave();
      return { kind: 'not', operand, offset: token.offset, length: endOf(operand) - token.offset };
    }
    return this.parseComparison(tokens);
  }

  private comparisonAhead(tokens: Tokens): { operator: CompareOperator; tokens: number } | null {
    const token = tokens.peek();
    if (token.kind === 'op' && COMPARISON_OPS.has(token.text))
      return { operator: token.text as CompareOperator, tokens: 1 };
    if (isOp(token, '=')) fail("'=' assigns a variable: use '==' to compare", token);
    if (isWord(token, 'in')) return { operator: 'in', tokens: 1 };
    if (isWord(token, 'not') && isWord(tokens.peek(1), 'in')) return { operator: 'not in', tokens: 2 };
    return null;
  }

  private parseComparison(tokens: Tokens): Expr {
    const left = this.parseOperand(tokens);
    const comparison = this.comparisonAhead(tokens);
    if (comparison === null) return left;
    let op = tokens.next();
    if (comparison.tokens === 2) op = tokens.next();
    if (!startsOperand(tokens.peek())) fail(`expected a value after '${comparison.operator}'`, op);
    const right = this.parseOperand(tokens);
    const chained = this.comparisonAhead(tokens);
    if (chained !== null) fail(`comparisons cannot be chained: join them with 'and'`, tokens.peek());
    return {
      kind: 'compare',
      operator: comparison.operator,
      left,
      right,
      offset: left.offset,
      length: endOf(right) - left.offset,
    };
  }

  /** An operand: a function call with its arguments, or a single term. */
  private parseOperand(tokens: Tokens): Expr {
    const token = tokens.peek();
    if (token.kind === 'ident' && !LITERAL_WORDS.has(token.text)) {
      if (token.text === 'in') fail("'in' needs a value on its left", token);
      return this.parseCall(tokens, false);
    }
    const term = this.parseTerm(tokens);
    const next = tokens.peek();
    if (startsArgument(next)) {
      fail(
        `unexpected ${describe(next)}: only a function takes arguments (put an operator or '|' before it)`,
        next,
      );
    }
    return term;
  }

  private parseCall(tokens: Tokens, piped: boolean): CallExpr {
    const name = tokens.next();
    this.checkFunctionName(name);
    const args: Expr[] = [];
    while (startsArgument(tokens.peek())) args.push(this.parseTerm(tokens));
    const span = { offset: name.offset, length: tokens.consumedEnd - name.offset };
    this.checkArity(name.text, args.length + (piped ? 1 : 0), span);
    return { kind: 'call', name: name.text, args, piped, ...span };
  }

  private checkFunctionName(token: Token): void {
    if (FUNCTIONS.has(token.text)) return;
    if (CONTROL_WORDS.has(token.text))
      fail(`'${token.text}' must start its own action: {{ ${token.text} … }}`, token);
    const hint = suggest(token.text, FUNCTIONS.keys());
    fail(`unknown function '${token.text}'${hint === undefined ? '' : ` (did you mean '${hint}'?)`}`, token);
  }

  private checkArity(name: string, count: number, span: { offset: number; length: number }): void {
    const { minArgs, maxArgs } = FUNCTIONS.get(name)!;
    if (count >= minArgs && count <= maxArgs) return;
    const expected =
      minArgs === maxArgs
        ? `${minArgs}`
        : maxArgs === Infinity
          ? `at least ${minArgs}`
          : `${minArgs} to ${maxArgs}`;
    fail(`wrong number of arguments for '${name}': expected ${expected}, got ${count}`, span);
  }

  private parseTerm(tokens: Tokens): Expr {
    const token = tokens.next();
    switch (token.kind) {
      case 'field':
        return {
          kind: 'field',
          path: [fieldName(token), ...this.fieldsAfter(tokens, token)],
          offset: token.offset,
          length: tokens.consumedEnd - token.offset,
        };
      case 'dot':
        return { kind: 'dot', offset: token.offset, length: token.length };
      case 'variable': {
        if (!this.isDefined(token.text)) fail(`undefined variable '${token.text}'`, token);
        return this.chain(
          tokens,
          { kind: 'variable', name: token.text, offset: token.offset, length: token.length },
          token,
        );
      }
      case 'string':
      case 'number':
        return { kind: 'literal', value: token.value!, offset: token.offset, length: token.length };
      case 'ident': {
        const literal = LITERAL_WORDS.get(token.text);
        if (literal !== undefined)
          return { kind: 'literal', value: literal, offset: token.offset, length: token.length };
        if (token.text === 'in' || token.text === 'not') fail(`unexpected '${token.text}'`, token);
        // A function name as an argument is called without arguments, as in Go.
        this.checkFunctionName(token);
        this.checkArity(token.text, 0, token);
        return {
          kind: 'call',
          name: token.text,
          args: [],
          piped: false,
          offset: token.offset,
          length: token.length,
        };
      }
      case 'op':
        if (token.text === '(') return this.parseParen(tokens, token);
        if (token.text === '[') return this.parseList(tokens, token);
        return fail(`unexpected '${token.text}'`, token);
      case 'end':
        return fail('expected a value, found the end of the action', token);
    }
  }

  private parseParen(tokens: Tokens, open: Token): Expr {
    this.enter(open);
    if (isOp(tokens.peek(), ')')) fail('empty parentheses: expected a value inside', open);
    const pipeline = this.parsePipeline(tokens, 1);
    const close = tokens.peek();
    if (!isOp(close, ')')) {
      if (close.kind === 'end') fail(`missing ')' for the '(' at offset ${open.offset}`, open);
      fail(`unexpected ${describe(close)}: expected ')'`, close);
    }
    tokens.next();
    this.leave();
    return this.chain(
      tokens,
      { kind: 'paren', pipeline, offset: open.offset, length: endOf(close) - open.offset },
      close,
    );
  }

  private parseList(tokens: Tokens, open: Token): Expr {
    this.enter(open);
    const items: Expr[] = [];
    for (;;) {
      if (isOp(tokens.peek(), ']')) break;
      if (tokens.peek().kind === 'end')
        fail(`missing ']' for the list opened at offset ${open.offset}`, open);
      const start = tokens.peek().offset;
      const stages = this.parseStages(tokens);
      const span = { offset: start, length: tokens.consumedEnd - start };
      items.push(
        stages.length === 1
          ? stages[0]!
          : { kind: 'paren', pipeline: { declaration: null, stages, ...span }, ...span },
      );
      const separator = tokens.peek();
      if (isOp(separator, ',')) {
        tokens.next();
        continue;
      }
      if (isOp(separator, ']')) break;
      if (separator.kind === 'end') fail(`missing ']' for the list opened at offset ${open.offset}`, open);
      fail(`unexpected ${describe(separator)} in a list: expected ',' or ']'`, separator);
    }
    const close = tokens.next();
    this.leave();
    return { kind: 'list', items, offset: open.offset, length: endOf(close) - open.offset };
  }

  /** Field names written right after a term, without spaces: `$x.a.b`, `(…).a`. */
  private fieldsAfter(tokens: Tokens, previous: Token): FieldName[] {
    const path: FieldName[] = [];
    let last = previous;
    while (tokens.peek().kind === 'field' && tokens.peek().offset === endOf(last)) {
      last = tokens.next();
      path.push(fieldName(last));
    }
    return path;
  }

  private chain(tokens: Tokens, target: Expr, previous: Token): Expr {
    const path = this.fieldsAfter(tokens, previous);
    if (path.length === 0) return target;
    return { kind: 'chain', target, path, offset: target.offset, length: tokens.consumedEnd - target.offset };
  }
}

function fieldName(token: Token): FieldName {
  return { name: token.value as string, offset: token.offset, length: token.length };
}
