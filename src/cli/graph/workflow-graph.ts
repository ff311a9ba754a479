// A workflow's main steps as a drawable graph: groups as boxes holding their children, leaves as
// nodes, and the plan's ordering as edges (each `depends_on`, the implicit order of a sequential
// group, and a step waiting for the output it reads). Pure: the renderers (mermaid, dot, svg) and
// the UI all draw this one model, so they cannot disagree about what the workflow is.
import { buildPlan } from '../../engine/plan.ts';
import type { Workflow } from '../../spec/model.ts';

export type EdgeKind = 'depends_on' | 'order' | 'output';

export interface GraphNode {
  /** A stable id made of safe characters (`s0`, `s1`, …, in document order). */
  readonly id: string;
  /** The step name, exactly as in the workflow. */
  readonly name: string;
  readonly isGroup: boolean;
  /** Id of the enclosing group, or undefined at the top. */
  readonly parent?: string;
  /** Ids of the children, in document order (groups only). */
  readonly children: readonly string[];
  /** Groups: their children run as a DAG rather than in order. */
  readonly parallel: boolean;
  readonly manualApproval: boolean;
  /** The step's phase in a run, when the graph shows one. */
  readonly phase?: string;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
}

export interface WorkflowGraph {
  readonly workflow: string;
  /** Every main step, groups before their children (document order). */
  readonly nodes: readonly GraphNode[];
  /** Top-level node ids, in document order. */
  readonly roots: readonly string[];
  readonly edges: readonly GraphEdge[];
}

/** `phases`: step name → phase, to colour the graph of a run. */
export function workflowGraph(
  workflow: Workflow,
  phases: ReadonlyMap<string, string> = new Map(),
): WorkflowGraph {
  const plan = buildPlan(workflow);
  const main = plan.nodes.slice(0, plan.mainNodeCount);
  const id = (index: number) => `s${index}`;
  const nodes: GraphNode[] = main.map((n) => ({
    id: id(n.index),
    name: n.name,
    isGroup: n.isGroup,
    ...(n.parent >= 0 ? { parent: id(n.parent) } : {}),
    children: n.children.map(id),
    parallel: n.step.parallel,
    manualApproval: n.step.manualApproval,
    ...(phases.has(n.name) ? { phase: phases.get(n.name) } : {}),
  }));
  const edges: GraphEdge[] = [];
  for (const n of main) {
    const parent = n.parent >= 0 ? plan.nodes[n.parent] : undefined;
    const siblings = parent ? parent.children : plan.roots;
    const previous = parent?.step.parallel ? undefined : siblings[siblings.indexOf(n.index) - 1];
    for (const p of n.predecessors) {
      const kind: EdgeKind = n.step.dependsOn.includes(plan.nodes[p]!.name)
        ? 'depends_on'
        : p === previous
          ? 'order'
          : 'output';
      edges.push({ from: id(p), to: id(n.index), kind });
    }
  }
  return { workflow: workflow.name, nodes, roots: plan.roots.map(id), edges };
}
