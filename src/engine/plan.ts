// Compiles a normalised workflow into the plan: every step as a node with its edges, budget scopes,
// retry policy and hook lists precomputed, so that a decision only follows pointers.
import type { RetryPolicy, Step, Workflow } from '../spec/model.ts';
import type { NodeRole, Plan, PlanNode } from './types.ts';

/** A workflow that spec validation would have rejected (unknown name, cycle, duplicate): a bug upstream. */
export class PlanError extends Error {
  override readonly name = 'PlanError';
}

interface DraftNode {
  index: number;
  name: string;
  step: Step;
  role: NodeRole;
  isGroup: boolean;
  parent: number;
  children: number[];
  predecessors: number[];
  successors: number[];
  budgetScopes: number[];
  atomicGroup: number;
  priority: number;
  retry: RetryPolicy | undefined;
  maxTries: number;
  continueOnError: boolean;
  onRetry: number[];
  onFailure: number[];
  fallback: number[];
}

export function buildPlan(workflow: Workflow): Plan {
  const builder = new PlanBuilder(workflow);
  return builder.build();
}

class PlanBuilder {
  private readonly nodes: DraftNode[] = [];
  private readonly byName = new Map<string, number>();

  constructor(private readonly workflow: Workflow) {}

  build(): Plan {
    const wf = this.workflow;
    const roots = wf.steps.map((s) => this.addTree(s, 'main', -1));
    const mainNodeCount = this.nodes.length;
    this.linkMain(roots);
    let mainLeafCount = 0;
    for (let i = 0; i < mainNodeCount; i++) {
      const node = this.nodes[i] as DraftNode;
      if (!node.isGroup) mainLeafCount++;
      node.onRetry = this.addList(node.step.onRetry, 'on_retry');
      node.onFailure = this.addList(node.step.onFailure, 'on_failure');
      node.fallback = this.addList(node.step.fallbackSteps, 'fallback');
    }
    const prerequisites = this.addList(wf.prerequisites, 'prerequisite');
    const rollback = this.addList(wf.rollback?.steps ?? [], 'rollback');
    const onFailure = this.addList(wf.onFailure, 'workflow_on_failure');
    const onSuccess = this.addList(wf.onSuccess, 'on_success');
    const postSuccess = this.addList(wf.postExecution.success, 'post_success');
    const postFailure = this.addList(wf.postExecution.failure, 'post_failure');
    const actions = new Map<string, readonly number[]>();
    for (const action of wf.actions) {
      const root = this.addTree(action, 'action', -1);
      actions.set(action.name, this.leavesOf(root));
    }
    return {
      workflow: wf,
      nodes: this.nodes as readonly PlanNode[],
      byName: this.byName,
      roots,
      mainLeafCount,
      mainNodeCount,
      prerequisites,
      rollback,
      onFailure,
      onSuccess,
      postSuccess,
      postFailure,
      actions,
    };
  }

  /** Adds a step and its descendants in document order (preorder); returns the step's index. */
  private addTree(step: Step, role: NodeRole, parent: number): number {
    if (this.byName.has(step.name)) throw new PlanError(`step name '${step.name}' is used twice`);
    const index = this.nodes.length;
    const parentNode = parent >= 0 ? (this.nodes[parent] as DraftNode) : undefined;
    const retry = role === 'main' ? this.retryFor(step) : step.retry;
    const node: DraftNode = {
      index,
      name: step.name,
      step,
      role,
      isGroup: step.kind === 'group',
      parent,
      children: [],
      predecessors: [],
      successors: [],
      budgetScopes: parentNode ? scopesBelow(parentNode) : [],
      atomicGroup: parentNode ? (parentNode.step.atomic ? parent : parentNode.atomicGroup) : -1,
      priority: step.priority ?? Number.POSITIVE_INFINITY,
      retry: step.kind === 'group' ? undefined : retry,
      maxTries: step.kind === 'group' ? 1 : Math.max(1, retry?.attempts ?? 1),
      continueOnError: step.continueOnError || (parentNode?.continueOnError ?? false),
      onRetry: [],
      onFailure: [],
      fallback: [],
    };
    this.nodes.push(node);
    this.byName.set(step.name, index);
    for (const child of step.steps) node.children.push(this.addTree(child, role, index));
    return index;
  }

  /** Strategy `retry` gives every leaf without its own policy the workflow's. */
  private retryFor(step: Step): RetryPolicy | undefined {
    if (step.retry) return step.retry;
    const handling = this.workflow.errorHandling;
    return handling.strategy === 'retry' ? handling.retry : undefined;
  }

  private addList(steps: readonly Step[], role: NodeRole): number[] {
    const out: number[] = [];
    for (const s of steps) out.push(...this.leavesOf(this.addTree(s, role, -1)));
    return out;
  }

  private leavesOf(root: number): number[] {
    const out: number[] = [];
    const stack = [root];
    while (stack.length > 0) {
      const node = this.nodes[stack.pop() as number] as DraftNode;
      if (!node.isGroup) out.push(node.index);
      for (let k = node.children.length - 1; k >= 0; k--) stack.push(node.children[k] as number);
    }
    return out;
  }

  private linkMain(roots: readonly number[]): void {
    const link = (list: readonly number[], sequential: boolean): void => {
      for (let k = 0; k < list.length; k++) {
        const i = list[k] as number;
        const node = this.nodes[i] as DraftNode;
        if (sequential && k > 0) this.addEdge(list[k - 1] as number, i);
        for (const dep of node.step.dependsOn) {
          const j = this.byName.get(dep);
          if (j === undefined || (this.nodes[j] as DraftNode).role !== 'main') {
            throw new PlanError(`step '${node.name}' depends on unknown step '${dep}'`);
          }
          if (this.isAncestor(j, i) || this.isAncestor(i, j)) {
            throw new PlanError(`step '${node.name}' cannot depend on its own group or descendant '${dep}'`);
          }
          this.addEdge(j, i);
        }
        if (node.children.length > 0) link(node.children, !node.step.parallel);
      }
    };
    link(roots, true);
    const cycle = this.findCycle();
    if (cycle) throw new PlanError(`dependency cycle through step '${cycle}'`);
    this.addOutputEdges();
  }

  /** A `when` or command reading `.outputs.X` waits for the step capturing X, when that is not circular. */
  private addOutputEdges(): void {
    const producers = new Map<string, number>();
    for (const node of this.nodes) {
      if (node.role === 'main' && node.step.captureOutput) producers.set(node.step.captureOutput, node.index);
    }
    if (producers.size === 0) return;
    for (const node of this.nodes) {
      if (node.role !== 'main') continue;
      for (const output of referencedOutputs(node.step)) {
        const producer = producers.get(output);
        if (producer === undefined || producer === node.index) continue;
        if (this.isAncestor(producer, node.index) || this.isAncestor(node.index, producer)) continue;
        if (node.predecessors.includes(producer)) continue;
        // Skip an edge that would close a cycle: the document's explicit order wins.
        if (this.endWaitsForStart(producer, node.index)) continue;
        this.addEdge(producer, node.index);
      }
    }
  }

  private addEdge(from: number, to: number): void {
    const a = this.nodes[from] as DraftNode;
    const b = this.nodes[to] as DraftNode;
    if (b.predecessors.includes(from)) return;
    b.predecessors.push(from);
    a.successors.push(to);
  }

  private isAncestor(a: number, b: number): boolean {
    for (let p = (this.nodes[b] as DraftNode).parent; p >= 0; p = (this.nodes[p] as DraftNode).parent) {
      if (p === a) return true;
    }
    return false;
  }

  /**
   * The waiting graph: start(i) waits for start(parent) and end(pred); end(i) waits for start(i) and
   * end(children). Node ids: 2i = start, 2i+1 = end.
   */
  private waitsFor(id: number): number[] {
    const node = this.nodes[id >> 1] as DraftNode;
    if ((id & 1) === 0) {
      const out = node.predecessors.map((p) => 2 * p + 1);
      if (node.parent >= 0) out.push(2 * node.parent);
      return out;
    }
    return [2 * node.index, ...node.children.map((c) => 2 * c + 1)];
  }

  /**
   * Kahn's algorithm over the waiting graph, counting instead of allocating: every start and end
   * that can be reached in order is processed; anything left over sits on a cycle.
   */
  private findCycle(): string | undefined {
    const n = this.nodes.filter((node) => node.role === 'main').length;
    const waiting = new Int32Array(2 * n);
    const queue = new Int32Array(2 * n);
    let tail = 0;
    for (let i = 0; i < n; i++) {
      const node = this.nodes[i] as DraftNode;
      waiting[2 * i] = node.predecessors.length + (node.parent >= 0 ? 1 : 0);
      waiting[2 * i + 1] = 1 + node.children.length;
      if (waiting[2 * i] === 0) queue[tail++] = 2 * i;
    }
    const release = (id: number): void => {
      waiting[id] = (waiting[id] as number) - 1;
      if (waiting[id] === 0) queue[tail++] = id;
    };
    for (let head = 0; head < tail; head++) {
      const id = queue[head] as number;
      const node = this.nodes[id >> 1] as DraftNode;
      if ((id & 1) === 0) {
        release(id + 1);
        for (const c of node.children) release(2 * c);
      } else {
        for (const s of node.successors) release(2 * s);
        if (node.parent >= 0) release(2 * node.parent + 1);
      }
    }
    if (tail === 2 * n) return undefined;
    for (let id = 0; id < 2 * n; id++)
      if ((waiting[id] as number) > 0) return (this.nodes[id >> 1] as DraftNode).name;
    return undefined;
  }

  /** Does the end of `producer` (transitively) wait for the start of `consumer`? */
  private endWaitsForStart(producer: number, consumer: number): boolean {
    const target = 2 * consumer;
    const seen = new Set<number>();
    const stack = [2 * producer + 1];
    while (stack.length > 0) {
      const id = stack.pop() as number;
      if (id === target) return true;
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...this.waitsFor(id));
    }
    return false;
  }
}

function scopesBelow(parent: DraftNode): number[] {
  const own = hasBudget(parent.step) ? [parent.index] : [];
  return [...own, ...parent.budgetScopes];
}

function hasBudget(step: Step): boolean {
  return (step.parallel && step.parallelLimit !== undefined) || step.resourceRequirements !== undefined;
}

const OUTPUT_REFERENCE = /\.outputs\.([A-Za-z_][A-Za-z0-9_]*)|index\s+\.outputs\s+"([^"]+)"/g;

/** Output names a step's condition, command or script reads. */
export function referencedOutputs(step: Step): string[] {
  const out = new Set<string>();
  for (const source of [step.when, step.command, step.script]) {
    if (!source) continue;
    for (const match of source.matchAll(OUTPUT_REFERENCE)) out.add((match[1] ?? match[2]) as string);
  }
  return [...out];
}
