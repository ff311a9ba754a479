// Limits and budgets: the workflow's `max_parallel`/`cpu_limit`/`memory_limit` and each group's
// `parallel_limit`/`resource_requirements`, summed over the running main leaves beneath them.
import type { Indexes, Work } from './work.ts';
import type { Plan, PlanNode } from './types.ts';

/** The workflow as a budget scope. */
export const WORKFLOW_SCOPE = -1;
/** `blockingScope` found room everywhere. */
export const FITS = -2;

function needs(node: PlanNode): { cpu: number; mem: number } {
  const r = node.step.resources;
  return { cpu: r?.cpuMillis ?? 0, mem: r?.memoryBytes ?? 0 };
}

/** Adds (sign 1) or removes (sign -1) a running main leaf's share everywhere it counts. */
export function addUsage(ix: Indexes, plan: Plan, i: number, sign: 1 | -1): void {
  const node = plan.nodes[i] as PlanNode;
  const { cpu, mem } = needs(node);
  for (const g of node.budgetScopes) {
    ix.scopeCount[g] = (ix.scopeCount[g] as number) + sign;
    ix.scopeCpu[g] = (ix.scopeCpu[g] as number) + sign * cpu;
    ix.scopeMem[g] = (ix.scopeMem[g] as number) + sign * mem;
  }
  ix.global.count += sign;
  ix.global.cpu += sign * cpu;
  ix.global.mem += sign * mem;
}

/** The first scope (innermost group first, the workflow last) where the leaf does not fit, or FITS. */
export function blockingScope(w: Work, i: number): number {
  const node = w.node(i);
  const ix = w.ix;
  const { cpu, mem } = needs(node);
  for (const g of node.budgetScopes) {
    const group = w.node(g).step;
    const limit = group.parallel ? group.parallelLimit : undefined;
    if (limit !== undefined && (ix.scopeCount[g] as number) + 1 > limit) return g;
    const req = group.resourceRequirements;
    if (req?.cpuMillis !== undefined && (ix.scopeCpu[g] as number) + cpu > req.cpuMillis) return g;
    if (req?.memoryBytes !== undefined && (ix.scopeMem[g] as number) + mem > req.memoryBytes) return g;
  }
  const limits = w.d.limits;
  if (limits.maxParallel !== undefined && ix.global.count + 1 > limits.maxParallel) return WORKFLOW_SCOPE;
  if (limits.cpuMillis !== undefined && ix.global.cpu + cpu > limits.cpuMillis) return WORKFLOW_SCOPE;
  if (limits.memoryBytes !== undefined && ix.global.mem + mem > limits.memoryBytes) return WORKFLOW_SCOPE;
  return FITS;
}

/** With nothing running in the scope the leaf still does not fit: it never will. */
export function isScopeIdle(ix: Indexes, scope: number): boolean {
  return scope === WORKFLOW_SCOPE ? ix.global.count === 0 : ix.scopeCount[scope] === 0;
}

/** The global parallelism cap is reached: no leaf can start, whatever its budgets. */
export function isSaturated(w: Work): boolean {
  const max = w.d.limits.maxParallel;
  return max !== undefined && w.ix.global.count >= max;
}

export function park(ix: Indexes, scope: number, i: number): void {
  const list = ix.parked.get(scope);
  if (list) list.push(i);
  else ix.parked.set(scope, [i]);
}

/** A running leaf ended: what waited on the scopes it counted in may fit now. */
export function releaseScopes(w: Work, i: number): void {
  const ix = w.ix;
  for (const scope of [...w.node(i).budgetScopes, WORKFLOW_SCOPE]) {
    const list = ix.parked.get(scope);
    if (!list) continue;
    ix.parked.delete(scope);
    for (const j of list) ix.ready.push(j);
  }
}

export function describeScope(w: Work, scope: number): string {
  return scope === WORKFLOW_SCOPE ? "the workflow's resource_limits" : `group '${w.node(scope).name}'`;
}
