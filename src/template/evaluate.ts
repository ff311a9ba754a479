// The evaluator: runs a parsed template against data, in text or shell mode, inside the sandbox
// limits, producing the rendered string or, for a template that is one action, its typed value.
import type {
  ActionNode,
  CallExpr,
  CompareExpr,
  ConditionalNode,
  Expr,
  FieldName,
  Node,
  Pipeline,
  RangeNode,
  Span,
  VariableExpr,
} from './ast.ts';
import { compareOrder, isIn, valuesEqual } from './compare.ts';
import { suggest } from './did-you-mean.ts';
import { toText } from './format.ts';
import type { FunctionEnv } from './functions.ts';
import { FUNCTIONS } from './functions.ts';
import type { TemplateLimits } from './limits.ts';
import { maxSteps, maxWork } from './limits.ts';
import { ShellQuoteTracker } from './shell-context.ts';
import { renderForShell } from './shell-escape.ts';
import { TemplateFailure, ValueFailure } from './template-error.ts';
import { isTruthy } from './truthiness.ts';
import { describeValue, isPlainObject, readOwn, unwrap, utf8Length } from './values.ts';

export type RenderMode = 'text' | 'shell';

export interface EvaluationOptions {
  readonly mode: RenderMode;
  readonly limits: TemplateLimits;
  /** Top-level names whose absence (and missing fields) read as nil instead of an error, such as `outputs`. */
  readonly lenient: ReadonlySet<string>;
}

type Signal = 'break' | 'continue' | null;

interface Cell {
  readonly name: string;
  value: unknown;
}

/** The lone action of a template that is one action with only whitespace around it, else null. */
export function soleAction(nodes: readonly Node[]): ActionNode | null {
  let action: ActionNode | null = null;
  for (const node of nodes) {
    if (node.kind === 'text' && node.text.trim() === '') continue;
    if (node.kind !== 'action' || action !== null) return null;
    action = node;
  }
  return action;
}

/** One evaluation of one template: variables, counters and output live here and nowhere else. */
export class Evaluation {
  private readonly vars: Cell[];
  private readonly output: string[] = [];
  private readonly shell: ShellQuoteTracker | null;
  private readonly env: FunctionEnv;
  private readonly stepLimit: number;
  private readonly workLimit: number;
  private steps = 0;
  private iterations = 0;
  private work = 0;
  private outputBytes = 0;
  /** Keys of plain objects, listed once per evaluation: big objects are tested and ranged over repeatedly. */
  private readonly keyCache = new WeakMap<object, { keys: readonly string[]; sorted?: readonly string[] }>();
  /** The node being evaluated, where a work-limit error points. */
  private current: Span = { offset: 0, length: 0 };

  constructor(
    private readonly root: Readonly<Record<string, unknown>>,
    private readonly options: EvaluationOptions,
  ) {
    this.vars = [{ name: '$', value: root }];
    this.shell = options.mode === 'shell' ? new ShellQuoteTracker() : null;
    this.env = {
      maxDepth: options.limits.maxDepth,
      charge: (units) => this.charge(units),
      keysOf: (object) => this.keysOf(object).keys,
    };
    this.stepLimit = maxSteps(options.limits);
    this.workLimit = maxWork(options.limits);
  }

  render(nodes: readonly Node[]): string {
    this.execNodes(nodes, this.root);
    return this.output.join('');
  }

  /** The typed value of a lone action (a declaration yields the empty string, as it outputs nothing). */
  value(action: ActionNode): unknown {
    const value = this.evalPipeline(action.pipeline, this.root);
    return action.pipeline.declaration === null ? unwrap(value) : '';
  }

  private tick(span: Span): void {
    this.current = span;
    if (++this.steps > this.stepLimit) {
      throw new TemplateFailure(
        `template does too much work: more than ${this.stepLimit} evaluation steps`,
        span.offset,
        span.length,
      );
    }
  }

  private execNodes(nodes: readonly Node[], dot: unknown): Signal {
    const mark = this.vars.length;
    try {
      for (const node of nodes) {
        this.tick(node);
        switch (node.kind) {
          case 'text':
            this.emit(node.text, node);
            break;
          case 'action': {
            const value = this.evalPipeline(node.pipeline, dot);
            if (node.pipeline.declaration === null) this.emitValue(value, node);
            break;
          }
          case 'conditional': {
            const signal = this.execConditional(node, dot);
            if (signal !== null) return signal;
            break;
          }
          case 'range':
            this.execRange(node, dot);
            break;
          case 'break':
          case 'continue':
            return node.kind;
        }
      }
      return null;
    } finally {
      this.vars.length = mark;
    }
  }

  private execConditional(node: ConditionalNode, dot: unknown): Signal {
    const mark = this.vars.length;
    try {
      for (const branch of node.branches) {
        const value = this.evalPipeline(branch.pipeline, dot);
        if (this.truthy(value))
          return this.execNodes(branch.body, branch.keyword === 'with' ? unwrap(value) : dot);
      }
      return node.elseBody === null ? null : this.execNodes(node.elseBody, dot);
    } finally {
      this.vars.length = mark;
    }
  }

  private execRange(node: RangeNode, dot: unknown): void {
    const value = unwrap(this.evalPipeline(node.pipeline, dot, true));
    let ran = false;
    const run = (key: unknown, item: unknown): boolean => {
      ran = true;
      if (++this.iterations > this.options.limits.maxIterations) {
        throw new TemplateFailure(
          `too many loop iterations: more than ${this.options.limits.maxIterations} in one evaluation`,
          node.offset,
          node.length,
        );
      }
      const mark = this.vars.length;
      try {
        this.bindLoopVariables(node.pipeline, key, item);
        return this.execNodes(node.body, item) !== 'break';
      } finally {
        this.vars.length = mark;
      }
    };
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) if (!run(i, value[i])) break;
    } else if (isPlainObject(value)) {
      const entry = this.keysOf(value);
      entry.sorted ??= [...entry.keys].sort();
      for (const key of entry.sorted)
        if (!run(key, readOwn(value, key).found ? value[key] : undefined)) break;
    } else if (typeof value === 'number' && Number.isInteger(value) && value >= 0) {
      for (let i = 0; i < value; i++) if (!run(i, i)) break;
    } else if (value !== null && value !== undefined) {
      const hint = typeof value === 'string' ? ' (split it, or parse JSON text with fromJSON)' : '';
      throw new TemplateFailure(
        `range cannot iterate over ${describeValue(value)}${hint}`,
        node.pipeline.offset,
        node.pipeline.length,
      );
    }
    if (!ran && node.elseBody !== null) this.execNodes(node.elseBody, dot);
  }

  private bindLoopVariables(pipeline: Pipeline, key: unknown, item: unknown): void {
    const declaration = pipeline.declaration;
    if (declaration === null) return;
    const values = declaration.variables.length === 2 ? [key, item] : [item];
    declaration.variables.forEach((variable, i) => {
      if (declaration.assign) this.lookup(variable).value = values[i];
      else this.vars.push({ name: variable.name, value: values[i] });
    });
  }

  private evalPipeline(pipeline: Pipeline, dot: unknown, forRange = false): unknown {
    let value = this.evalExpr(pipeline.stages[0]!, dot);
    for (let i = 1; i < pipeline.stages.length; i++) {
      value = this.evalCall(pipeline.stages[i] as CallExpr, dot, { value });
    }
    const declaration = pipeline.declaration;
    if (declaration !== null && !forRange) {
      const variable = declaration.variables[0]!;
      if (declaration.assign) this.lookup(variable).value = value;
      else this.vars.push({ name: variable.name, value });
    }
    return value;
  }

  private lookup(variable: VariableExpr): Cell {
    for (let i = this.vars.length - 1; i >= 0; i--)
      if (this.vars[i]!.name === variable.name) return this.vars[i]!;
    throw new TemplateFailure(`undefined variable '${variable.name}'`, variable.offset, variable.length);
  }

  private evalExpr(expr: Expr, dot: unknown): unknown {
    this.tick(expr);
    switch (expr.kind) {
      case 'dot':
        return dot;
      case 'field':
        return this.readPath(dot, expr.path);
      case 'variable':
        return this.lookup(expr).value;
      case 'chain':
        return this.readPath(this.evalExpr(expr.target, dot), expr.path);
      case 'literal':
        return expr.value;
      case 'list':
        return expr.items.map((item) => this.evalExpr(item, dot));
      case 'call':
        return this.evalCall(expr, dot, null);
      case 'not':
        return !this.truthy(this.evalExpr(expr.operand, dot));
      case 'logical': {
        let value: unknown;
        for (const operand of expr.operands) {
          value = this.evalExpr(operand, dot);
          if (this.truthy(value) === (expr.operator === 'or')) return value;
        }
        return value;
      }
      case 'compare':
        return this.evalCompare(expr, dot);
      case 'paren':
        return this.evalPipeline(expr.pipeline, dot);
    }
  }

  /**
   * Reads `.a.b` from a value. Missing fields read as nil, except a missing top-level name of the data,
   * which is an error (typos must not pass silently) unless the name is lenient, like `outputs`.
   */
  private readPath(base: unknown, path: readonly FieldName[]): unknown {
    let value = base;
    const fromRoot = unwrap(base) === this.root;
    for (let i = 0; i < path.length; i++) {
      const field = path[i]!;
      const current = unwrap(value);
      if (current === null || current === undefined) return undefined;
      if (isPlainObject(current) || current === this.root) {
        const read = readOwn(current as object, field.name);
        if (read.found) {
          value = read.value;
          continue;
        }
        if (i === 0 && fromRoot && !this.options.lenient.has(field.name)) throw this.unknownName(field);
        return undefined;
      }
      throw new TemplateFailure(cannotRead(field.name, current), field.offset, field.length);
    }
    return value;
  }

  private unknownName(field: FieldName): TemplateFailure {
    const known = [...Object.keys(this.root), ...this.options.lenient];
    const hint = suggest(field.name, known);
    return new TemplateFailure(
      `unknown name '.${field.name}'${hint === undefined ? '' : ` (did you mean '.${hint}'?)`}`,
      field.offset,
      field.length,
    );
  }

  private evalCall(call: CallExpr, dot: unknown, piped: { value: unknown } | null): unknown {
    if (call.name === 'and' || call.name === 'or') {
      // Go's and/or stop at the first argument that decides, without evaluating the rest.
      const stopAt = call.name === 'or';
      let value: unknown;
      for (const arg of call.args) {
        value = this.evalExpr(arg, dot);
        if (this.truthy(value) === stopAt) return value;
      }
      return piped === null ? value : piped.value;
    }
    const args = call.args.map((arg) => this.evalExpr(arg, dot));
    if (piped !== null) args.push(piped.value);
    this.current = call;
    let result: unknown;
    try {
      result = FUNCTIONS.get(call.name)!.call(args, this.env);
    } catch (error) {
      if (error instanceof ValueFailure)
        throw new TemplateFailure(`${call.name}: ${error.message}`, call.offset, call.length);
      throw error;
    }
    this.account(result, call);
    return result;
  }

  /** Bounds what functions build, so that doubling a string in a loop cannot exhaust memory. */
  private account(result: unknown, call: CallExpr): void {
    const limit = this.options.limits.maxOutputBytes;
    if (typeof result === 'string' && result.length > limit / 3 && utf8Length(result) > limit) {
      throw new TemplateFailure(
        `${call.name}: the result is larger than the limit of ${limit} bytes`,
        call.offset,
        call.length,
      );
    }
    this.charge(typeof result === 'string' ? result.length : Array.isArray(result) ? result.length : 0);
  }

  private keysOf(object: object): { keys: readonly string[]; sorted?: readonly string[] } {
    let entry = this.keyCache.get(object);
    if (entry === undefined) {
      const keys = Object.keys(object);
      this.charge(keys.length);
      entry = { keys };
      this.keyCache.set(object, entry);
    }
    return entry;
  }

  private truthy(value: unknown): boolean {
    return isTruthy(value, this.env);
  }

  /** Work on values (characters and items processed or built); bounded like loop iterations are. */
  private charge(units: number): void {
    this.work += units;
    if (this.work > this.workLimit) {
      throw new TemplateFailure(
        `template does too much work: more than ${this.workLimit} characters or items processed`,
        this.current.offset,
        this.current.length,
      );
    }
  }

  private evalCompare(expr: CompareExpr, dot: unknown): boolean {
    const left = this.evalExpr(expr.left, dot);
    const right = this.evalExpr(expr.right, dot);
    const meter = this.env;
    this.current = expr;
    try {
      switch (expr.operator) {
        case '==':
          return valuesEqual(left, right, meter);
        case '!=':
          return !valuesEqual(left, right, meter);
        case '<':
          return compareOrder(left, right, '<', meter) < 0;
        case '<=':
          return compareOrder(left, right, '<=', meter) <= 0;
        case '>':
          return compareOrder(left, right, '>', meter) > 0;
        case '>=':
          return compareOrder(left, right, '>=', meter) >= 0;
        case 'in':
          return isIn(left, right, meter);
        case 'not in':
          return !isIn(left, right, meter);
      }
    } catch (error) {
      if (error instanceof ValueFailure) throw new TemplateFailure(error.message, expr.offset, expr.length);
      throw error;
    }
  }

  private emitValue(value: unknown, node: ActionNode): void {
    let text: string;
    try {
      text = this.shell === null ? toText(value) : renderForShell(value, this.shell.context());
    } catch (error) {
      if (error instanceof ValueFailure) throw new TemplateFailure(error.message, node.offset, node.length);
      throw error;
    }
    this.emit(text, node);
  }

  private emit(text: string, span: Span): void {
    this.outputBytes += utf8Length(text);
    if (this.outputBytes > this.options.limits.maxOutputBytes) {
      throw new TemplateFailure(
        `output is larger than the limit of ${this.options.limits.maxOutputBytes} bytes`,
        span.offset,
        span.length,
      );
    }
    this.output.push(text);
    this.shell?.feed(text);
  }
}

function cannotRead(name: string, value: unknown): string {
  if (Array.isArray(value)) return `cannot read field '${name}' of a list (use index, as in index $list 0)`;
  if (typeof value === 'string') {
    const json = /^\s*[[{]/.test(value) ? ': it looks like JSON, parse it first with fromJSON' : '';
    return `cannot read field '${name}' of a string${json}`;
  }
  return `cannot read field '${name}' of ${describeValue(value)}`;
}
