// One entry point from a graph source to the text of a format.
import { renderDot } from './dot.ts';
import { layoutGraph } from './layout.ts';
import { renderMermaid } from './mermaid.ts';
import type { GraphSource } from './run-sources.ts';
import { renderSvg } from './svg.ts';
import { workflowGraph } from './workflow-graph.ts';

export const GRAPH_FORMATS = ['mermaid', 'dot', 'svg'] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

export async function renderGraph(source: GraphSource, format: GraphFormat): Promise<string> {
  const graph = workflowGraph(source.workflow, source.phases);
  if (format === 'mermaid') return renderMermaid(graph);
  if (format === 'dot') return renderDot(graph);
  return renderSvg(await layoutGraph(graph), `${source.workflow.name} (${source.title})`);
}
