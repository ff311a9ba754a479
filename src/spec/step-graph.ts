// The waiting graph of the main steps, used to find dependency cycles. Each step has a start and an
// end node: a step starts after its dependencies (and its previous sibling in a sequence) end, a
// child starts after its group starts, a group ends after its children end. A cycle in this graph is
// exactly a workflow that can never finish, and the graph stays linear in the number of steps.
import type { Step } from './model.ts';

interface Graph {
  /** For each node id, the node ids it waits for. */
  readonly waitsFor: number[][];
  readonly stepOf: string[];
}

const start = (i: number): number => 2 * i;
const end = (i: number): number => 2 * i + 1;

function buildGraph(steps: readonly Step[]): Graph {
  const index = new Map<string, number>();
  const descendants: Step[] = [];
  const collect = (list: readonly Step[]): void => {
    for (const s of list) {
      if (!index.has(s.name)) {
        index.set(s.name, descendants.length);
        descendants.push(s);
      }
      collect(s.steps);
    }
  };
  collect(steps);
  const waitsFor: number[][] = Array.from({ length: descendants.length * 2 }, () => []);
  const stepOf = descendants.flatMap((s) => [s.name, s.name]);
  const link = (list: readonly Step[], parent: number | undefined, sequential: boolean): void => {
    list.forEach((s, k) => {
      const i = index.get(s.name) as number;
      (waitsFor[end(i)] as number[]).push(start(i));
      if (parent !== undefined) {
        (waitsFor[start(i)] as number[]).push(start(parent));
        (waitsFor[end(parent)] as number[]).push(end(i));
      }
      if (sequential && k > 0) {
        (waitsFor[start(i)] as number[]).push(end(index.get((list[k - 1] as Step).name) as number));
      }
      for (const dep of s.dependsOn) {
        const j = index.get(dep);
        if (j !== undefined && j !== i) (waitsFor[start(i)] as number[]).push(end(j));
      }
      link(s.steps, i, !s.parallel);
    });
  };
  link(steps, undefined, true);
  return { waitsFor, stepOf };
}

/** Returns the step names along one dependency cycle, or undefined when there is none. */
export function findCycle(steps: readonly Step[]): string[] | undefined {
  const { waitsFor, stepOf } = buildGraph(steps);
  const WHITE = 0;
  const GREY = 1;
  const BLACK = 2;
  const color = new Uint8Array(waitsFor.length);
  const parent = new Int32Array(waitsFor.length).fill(-1);
  for (let root = 0; root < waitsFor.length; root++) {
    if (color[root] !== WHITE) continue;
    // Iterative DFS: a 5,000-step chain would overflow the stack recursively.
    const stack: [number, number][] = [[root, 0]];
    color[root] = GREY;
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as [number, number];
      const [node, edge] = top;
      const next = (waitsFor[node] as number[])[edge];
      if (next === undefined) {
        color[node] = BLACK;
        stack.pop();
        continue;
      }
      top[1]++;
      if (color[next] === GREY) {
        const path: number[] = [next];
        for (let n = node; n !== next && n !== -1; n = parent[n] as number) path.push(n);
        return dedupeNames(path.reverse().map((n) => stepOf[n] as string));
      }
      if (color[next] === WHITE) {
        color[next] = GREY;
        parent[next] = node;
        stack.push([next, 0]);
      }
    }
  }
  return undefined;
}

/** A step appears as its start and end node; people want each step once, in dependency order. */
function dedupeNames(names: string[]): string[] {
  const out: string[] = [];
  for (const n of names) if (out[out.length - 1] !== n && !out.includes(n)) out.push(n);
  // The walk goes against the waiting edges; reverse so that each step is followed by what it waits for... then flip to "A -> B" meaning A runs before B.
  return out.reverse();
}
