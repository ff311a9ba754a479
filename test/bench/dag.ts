// Seeded random DAGs for benchmarks: layers of steps, each depending on up to three steps of the
// layers before it, written as a workflow and as the equivalent Makefile.

/** A small deterministic PRNG (mulberry32), so every bench run measures the same graph. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Dag {
  readonly names: string[];
  readonly deps: string[][];
}

export function randomDag(steps: number, width: number, seed = 42): Dag {
  const random = seeded(seed);
  const names: string[] = [];
  const deps: string[][] = [];
  for (let i = 0; i < steps; i++) {
    const layerStart = Math.floor(i / width) * width;
    const chosen = new Set<string>();
    if (layerStart > 0) {
      const count = 1 + Math.floor(random() * 3);
      for (let k = 0; k < count; k++) chosen.add(`s${Math.floor(random() * layerStart)}`);
    }
    names.push(`s${i}`);
    deps.push([...chosen]);
  }
  return { names, deps };
}

export function dagWorkflow(dag: Dag, command: string): string {
  const lines = ['name: bench-dag', 'steps:', '  - name: all', '    parallel: true', '    steps:'];
  dag.names.forEach((name, i) => {
    lines.push(`      - name: ${name}`, `        command: "${command}"`);
    const d = dag.deps[i] ?? [];
    if (d.length) lines.push(`        depends_on: [${d.join(', ')}]`);
  });
  return `${lines.join('\n')}\n`;
}

export function dagMakefile(dag: Dag, command: string): string {
  const lines = [`all: ${dag.names.join(' ')}`, `.PHONY: all ${dag.names.join(' ')}`, ''];
  dag.names.forEach((name, i) => {
    lines.push(`${name}: ${(dag.deps[i] ?? []).join(' ')}`, `\t@${command}`, '');
  });
  return lines.join('\n');
}

/** The controller benches' DAG: layers of 5 (of half the steps when fewer, so that a tiny one has edges). */
export function benchDag(steps: number): Dag {
  return randomDag(steps, Math.max(1, Math.min(5, Math.ceil(steps / 2))), 42);
}
