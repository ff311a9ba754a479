// A workflow graph in Graphviz's DOT language: groups as clusters (boxes), steps as boxes (waiting
// for approval: hexagons), edges as in the plan. An edge to or from a group is drawn to the group's
// box (compound=true with lhead/ltail through one of its leaves), as the plan means: the whole group.
import { phaseColour } from './phase-colours.ts';
import type { GraphNode, WorkflowGraph } from './workflow-graph.ts';

/** A DOT double-quoted string: only `"` and `\` need escaping; newlines become \n. */
export function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

export function renderDot(graph: WorkflowGraph): string {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  // A leaf inside each group, for edges that start or end at the group's box.
  const anchor = (node: GraphNode): GraphNode => {
    let current = node;
    while (current.isGroup && current.children.length > 0) current = byId.get(current.children[0]!)!;
    return current;
  };
  const lines = [
    `digraph ${dotString(graph.workflow)} {`,
    '  compound=true;',
    '  rankdir=TB;',
    '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  const draw = (id: string, depth: number): void => {
    const node = byId.get(id)!;
    const pad = '  '.repeat(depth);
    const { fill, stroke } = phaseColour(node.phase);
    const text = `${node.name}${node.isGroup && node.parallel ? ' (parallel)' : ''}${node.phase ? `\n${node.phase}` : ''}`;
    if (node.isGroup) {
      lines.push(`${pad}subgraph ${dotString(`cluster_${node.id}`)} {`);
      lines.push(`${pad}  label=${dotString(text)};`);
      lines.push(
        `${pad}  style="rounded,filled"; fillcolor=${dotString(node.phase ? fill : '#f9fafb')}; color=${dotString(stroke)};`,
      );
      // An empty group still needs a node for edges to reach its box.
      if (node.children.length === 0) lines.push(`${pad}  ${node.id} [label="", shape=point, style=invis];`);
      for (const child of node.children) draw(child, depth + 1);
      lines.push(`${pad}}`);
    } else {
      const shape = node.manualApproval ? ', shape=hexagon' : '';
      lines.push(
        `${pad}${node.id} [label=${dotString(text)}${shape}, fillcolor=${dotString(fill)}, color=${dotString(stroke)}];`,
      );
    }
  };
  for (const root of graph.roots) draw(root, 1);
  for (const edge of graph.edges) {
    const from = byId.get(edge.from)!;
    const to = byId.get(edge.to)!;
    const attrs: string[] = [];
    if (from.isGroup) attrs.push(`ltail=${dotString(`cluster_${from.id}`)}`);
    if (to.isGroup) attrs.push(`lhead=${dotString(`cluster_${to.id}`)}`);
    if (edge.kind === 'output') attrs.push('style=dashed');
    lines.push(`  ${anchor(from).id} -> ${anchor(to).id}${attrs.length ? ` [${attrs.join(', ')}]` : ''};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
