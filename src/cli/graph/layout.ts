// Lays a workflow graph out with ELK's layered algorithm (elkjs): groups as compound nodes around
// their children, edges routed orthogonally between them, across group boundaries too. Everything
// comes back in absolute coordinates, ready to draw. Text is measured by an estimate (no fonts in
// Node): a generous average character width, so labels fit in any common sans-serif font.
import bundled from 'elkjs/lib/elk.bundled.js';
import type { ELK as Elk, ELKConstructorArguments, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import type { EdgeKind, GraphNode, WorkflowGraph } from './workflow-graph.ts';

// elkjs is CommonJS (module.exports = ELK) typed as an ES default export: at run time the default
// import is the constructor itself.
const ELK = bundled as unknown as new (args?: ELKConstructorArguments) => Elk;

export const FONT_SIZE = 12;
const CHAR_WIDTH = 7.2;
const NODE_HEIGHT = 36;
const NODE_PADDING = 24;
/** Room above a group's children for its name. */
const GROUP_HEADER = 26;

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface PlacedNode extends Box {
  readonly node: GraphNode;
  /** Nesting depth (0 at the top), to draw outer groups first. */
  readonly depth: number;
}

export interface PlacedEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  /** The route, start to end (the arrow points at the last point). */
  readonly points: readonly { x: number; y: number }[];
}

export interface GraphLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly PlacedNode[];
  readonly edges: readonly PlacedEdge[];
}

export function textWidth(text: string): number {
  return [...text].length * CHAR_WIDTH;
}

/** The text of a node's box: its name, and the phase in a run. */
export function nodeLabel(node: GraphNode): string {
  const kind = node.isGroup && node.parallel ? ' (parallel)' : '';
  return `${node.name}${kind}`;
}

export async function layoutGraph(graph: WorkflowGraph): Promise<GraphLayout> {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const toElk = (id: string): ElkNode => {
    const node = byId.get(id)!;
    const labelWidth = textWidth(nodeLabel(node)) + NODE_PADDING;
    if (!node.isGroup) {
      const phaseWidth = node.phase ? textWidth(node.phase) + NODE_PADDING : 0;
      return {
        id,
        width: Math.max(90, labelWidth, phaseWidth),
        height: node.phase ? NODE_HEIGHT + 14 : NODE_HEIGHT,
      };
    }
    return {
      id,
      layoutOptions: {
        'elk.padding': `[top=${GROUP_HEADER + 10},left=14,bottom=14,right=14]`,
        'elk.nodeSize.constraints': 'MINIMUM_SIZE',
        'elk.nodeSize.minimum': `(${Math.max(90, labelWidth)}, ${GROUP_HEADER + 20})`,
      },
      children: node.children.map(toElk),
    };
  };
  const edges: ElkExtendedEdge[] = graph.edges.map((e, k) => ({
    id: `e${k}`,
    sources: [e.from],
    targets: [e.to],
  }));
  const root: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.spacing.nodeNodeBetweenLayers': '36',
      'elk.spacing.nodeNode': '24',
      'elk.padding': '[top=12,left=12,bottom=12,right=12]',
      'elk.json.shapeCoords': 'ROOT',
      'elk.json.edgeCoords': 'ROOT',
      // Document order where the graph leaves a choice, so a workflow reads top-down as written.
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
    },
    children: graph.roots.map(toElk),
    edges,
  };
  const laid = await new ELK().layout(root);
  const nodes: PlacedNode[] = [];
  const collect = (children: readonly ElkNode[] | undefined, depth: number): void => {
    for (const c of children ?? []) {
      nodes.push({
        node: byId.get(c.id)!,
        depth,
        x: c.x ?? 0,
        y: c.y ?? 0,
        width: c.width ?? 0,
        height: c.height ?? 0,
      });
      collect(c.children, depth + 1);
    }
  };
  collect(laid.children, 0);
  const placedEdges: PlacedEdge[] = [];
  const laidEdges = new Map<string, ElkExtendedEdge>();
  const gatherEdges = (n: ElkNode): void => {
    for (const e of n.edges ?? []) laidEdges.set(e.id, e);
    for (const c of n.children ?? []) gatherEdges(c);
  };
  gatherEdges(laid);
  graph.edges.forEach((e, k) => {
    const section = laidEdges.get(`e${k}`)?.sections?.[0];
    if (!section) return;
    placedEdges.push({
      from: e.from,
      to: e.to,
      kind: e.kind,
      points: [section.startPoint, ...(section.bendPoints ?? []), section.endPoint],
    });
  });
  return { width: laid.width ?? 0, height: laid.height ?? 0, nodes, edges: placedEdges };
}
