// Which top-level data names a template reads (`.outputs.x` reads `outputs`), so callers can check
// names before a run and tell conditions that depend on step outputs.
import type { Expr, Node, Pipeline } from './ast.ts';

/**
 * Top-level names read from the data: fields of dot where dot is still the data, fields of `$`,
 * and `index . "name"` / `index $ "name"`. Inside `range` and `with` bodies dot is something else.
 */
export function collectReferencedNames(nodes: readonly Node[]): Set<string> {
  const names = new Set<string>();
  const visitPipeline = (pipeline: Pipeline, dotIsRoot: boolean): void => {
    for (const stage of pipeline.stages) visitExpr(stage, dotIsRoot);
  };
  const isRoot = (expr: Expr, dotIsRoot: boolean): boolean =>
    (expr.kind === 'dot' && dotIsRoot) || (expr.kind === 'variable' && expr.name === '$');
  const visitExpr = (expr: Expr, dotIsRoot: boolean): void => {
    switch (expr.kind) {
      case 'field':
        if (dotIsRoot) names.add(expr.path[0]!.name);
        return;
      case 'chain':
        if (isRoot(expr.target, dotIsRoot)) names.add(expr.path[0]!.name);
        visitExpr(expr.target, dotIsRoot);
        return;
      case 'list':
        expr.items.forEach((item) => visitExpr(item, dotIsRoot));
        return;
      case 'call': {
        const [target, key] = expr.args;
        if (
          expr.name === 'index' &&
          target !== undefined &&
          isRoot(target, dotIsRoot) &&
          key?.kind === 'literal'
        ) {
          if (typeof key.value === 'string') names.add(key.value);
        }
        expr.args.forEach((arg) => visitExpr(arg, dotIsRoot));
        return;
      }
      case 'not':
        visitExpr(expr.operand, dotIsRoot);
        return;
      case 'logical':
        expr.operands.forEach((operand) => visitExpr(operand, dotIsRoot));
        return;
      case 'compare':
        visitExpr(expr.left, dotIsRoot);
        visitExpr(expr.right, dotIsRoot);
        return;
      case 'paren':
        visitPipeline(expr.pipeline, dotIsRoot);
        return;
      default:
        return;
    }
  };
  const visitNodes = (list: readonly Node[], dotIsRoot: boolean): void => {
    for (const node of list) {
      switch (node.kind) {
        case 'action':
          visitPipeline(node.pipeline, dotIsRoot);
          break;
        case 'conditional':
          for (const branch of node.branches) {
            visitPipeline(branch.pipeline, dotIsRoot);
            visitNodes(branch.body, dotIsRoot && branch.keyword === 'if');
          }
          if (node.elseBody !== null) visitNodes(node.elseBody, dotIsRoot);
          break;
        case 'range':
          visitPipeline(node.pipeline, dotIsRoot);
          visitNodes(node.body, false);
          if (node.elseBody !== null) visitNodes(node.elseBody, dotIsRoot);
          break;
        default:
          break;
      }
    }
  };
  visitNodes(nodes, true);
  return names;
}
