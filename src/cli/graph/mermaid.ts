// A workflow graph as a Mermaid flowchart, which GitHub and GitLab render in Markdown (```mermaid).
// Groups are subgraphs, steps waiting for approval hexagons, edges as in the plan (dashed: a step
// waiting for an output it reads); a run's phases become class colours.
import { phaseColour } from './phase-colours.ts';
import type { GraphNode, WorkflowGraph } from './workflow-graph.ts';

/**
 * A label inside `"…"`: Mermaid reads `#code;` as an entity, so every character that could end the
 * string or be taken for markup (quotes, brackets, `#`, `<`, `&`, …) is written that way.
 */
export function mermaidText(text: string): string {
  return [...text]
    .map((c) => (/[A-Za-z0-9 _.,:/=@+()'!?*%$-]/.test(c) ? c : `#${c.codePointAt(0)};`))
    .join('');
}

function label(node: GraphNode): string {
  const kind = node.isGroup ? (node.parallel ? ' (parallel)' : '') : '';
  const phase = node.phase ? ` · ${node.phase}` : '';
  return `"${mermaidText(`${node.name}${kind}${phase}`)}"`;
}

export function renderMermaid(graph: WorkflowGraph): string {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const lines = ['flowchart TD'];
  const draw = (id: string, depth: number): void => {
    const node = byId.get(id)!;
    const pad = '  '.repeat(depth);
    if (node.isGroup) {
      lines.push(`${pad}subgraph ${node.id}[${label(node)}]`);
      lines.push(`${pad}  direction TB`);
      for (const child of node.children) draw(child, depth + 1);
      lines.push(`${pad}end`);
    } else if (node.manualApproval) {
      lines.push(`${pad}${node.id}{{${label(node)}}}`);
    } else {
      lines.push(`${pad}${node.id}[${label(node)}]`);
    }
  };
  for (const root of graph.roots) draw(root, 1);
  for (const edge of graph.edges) {
    const arrow = edge.kind === 'output' ? '-.->' : '-->';
    lines.push(`  ${edge.from} ${arrow} ${edge.to}`);
  }
  const phases = new Map<string, string[]>();
  for (const node of graph.nodes) {
    if (node.phase === undefined) continue;
    phases.set(node.phase, [...(phases.get(node.phase) ?? []), node.id]);
  }
  for (const [phase, ids] of phases) {
    const { fill, stroke } = phaseColour(phase);
    const cls = `phase${phase.replace(/[^A-Za-z0-9]/g, '')}`;
    lines.push(`  classDef ${cls} fill:${fill},stroke:${stroke},color:#111827`);
    lines.push(`  class ${ids.join(',')} ${cls}`);
  }
  return `${lines.join('\n')}\n`;
}
