// The syntax tree the parser builds and the evaluator walks. Every node that can fail carries its
// span in the source (character offset and length) so that errors point at it.

export interface Span {
  readonly offset: number;
  readonly length: number;
}

export type Node = TextNode | ActionNode | ConditionalNode | RangeNode | LoopControlNode;

export interface TextNode extends Span {
  readonly kind: 'text';
  readonly text: string;
}

/** `{{ pipeline }}`: outputs the pipeline's value unless the pipeline declares or assigns a variable. */
export interface ActionNode extends Span {
  readonly kind: 'action';
  readonly pipeline: Pipeline;
}

/** `if`/`with` with their `else if`/`else with` branches, flattened, and an optional final `else`. */
export interface ConditionalNode extends Span {
  readonly kind: 'conditional';
  readonly branches: readonly Branch[];
  readonly elseBody: readonly Node[] | null;
}

export interface Branch {
  /** `with` rebinds dot to the pipeline's value inside the body; `if` does not. */
  readonly keyword: 'if' | 'with';
  readonly pipeline: Pipeline;
  readonly body: readonly Node[];
}

export interface RangeNode extends Span {
  readonly kind: 'range';
  /** Its declaration, if any, names the iteration variables: `$x` or `$i, $x`. */
  readonly pipeline: Pipeline;
  readonly body: readonly Node[];
  readonly elseBody: readonly Node[] | null;
}

export interface LoopControlNode extends Span {
  readonly kind: 'break' | 'continue';
}

export interface Pipeline extends Span {
  readonly declaration: Declaration | null;
  /** The first stage is any expression; each later stage is a call that receives the previous value as its last argument. */
  readonly stages: readonly Expr[];
}

export interface Declaration {
  readonly variables: readonly VariableExpr[];
  /** `=` assigns existing variables; `:=` declares new ones. */
  readonly assign: boolean;
}

export type Expr =
  | DotExpr
  | FieldExpr
  | VariableExpr
  | ChainExpr
  | LiteralExpr
  | ListExpr
  | CallExpr
  | NotExpr
  | LogicalExpr
  | CompareExpr
  | ParenExpr;

export interface FieldName extends Span {
  readonly name: string;
}

export interface DotExpr extends Span {
  readonly kind: 'dot';
}

/** `.a.b`: fields read from dot. */
export interface FieldExpr extends Span {
  readonly kind: 'field';
  readonly path: readonly FieldName[];
}

/** `$` (the data) or `$name`. */
export interface VariableExpr extends Span {
  readonly kind: 'variable';
  readonly name: string;
}

/** `$x.a.b` or `(pipeline).a`: fields read from another expression's value. */
export interface ChainExpr extends Span {
  readonly kind: 'chain';
  readonly target: Expr;
  readonly path: readonly FieldName[];
}

export interface LiteralExpr extends Span {
  readonly kind: 'literal';
  readonly value: string | number | boolean | null;
}

/** `['a', 'b']` */
export interface ListExpr extends Span {
  readonly kind: 'list';
  readonly items: readonly Expr[];
}

export interface CallExpr extends Span {
  readonly kind: 'call';
  readonly name: string;
  readonly args: readonly Expr[];
  /** A pipeline stage after `|`: the previous stage's value is appended as the last argument. */
  readonly piped: boolean;
}

export interface NotExpr extends Span {
  readonly kind: 'not';
  readonly operand: Expr;
}

/** Infix `a and b and c` / `a or b`: short-circuits and yields the deciding operand, as Go's `and`/`or` do. */
export interface LogicalExpr extends Span {
  readonly kind: 'logical';
  readonly operator: 'and' | 'or';
  readonly operands: readonly Expr[];
}

export type CompareOperator = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in';

export interface CompareExpr extends Span {
  readonly kind: 'compare';
  readonly operator: CompareOperator;
  readonly left: Expr;
  readonly right: Expr;
}

/** `( pipeline )` */
export interface ParenExpr extends Span {
  readonly kind: 'paren';
  readonly pipeline: Pipeline;
}
