// Engine benchmark: a seeded 10,000-step DAG (layers with random dependencies on earlier layers)
// run to completion through the fake executor; reports the time spent inside `decide` only.
import { performance } from 'node:perf_hooks';
import { buildPlan } from '../../src/engine/plan.ts';
import { createRunState } from '../../src/engine/state.ts';
import { simulate } from '../unit/engine/helpers/simulator.ts';
import { parallel, step, workflow } from '../unit/engine/helpers/workflow.ts';
import type { Step } from '../../src/spec/model.ts';

export interface EngineBenchResult {
  readonly steps: number;
  /** Everything the engine does for the run: building the plan, the initial state, every decide. */
  readonly engineMs: number;
  readonly planMs: number;
  readonly decideMs: number;
  readonly decideCalls: number;
}

/** Small deterministic PRNG (mulberry32) so that every run measures the same DAG. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function layeredDag(steps: number, layerWidth: number, seed: number): Step[] {
  const random = seededRandom(seed);
  const out: Step[] = [];
  for (let i = 0; i < steps; i++) {
    const layer = Math.floor(i / layerWidth);
    const deps = new Set<string>();
    if (layer > 0) {
      const fanIn = 1 + Math.floor(random() * 3);
      for (let k = 0; k < fanIn; k++) {
        const from = Math.floor(random() * layer * layerWidth);
        deps.add(`s${from}`);
      }
    }
    out.push(step(`s${i}`, { command: 'true', dependsOn: [...deps] }));
  }
  return out;
}

export async function benchEngine(steps = 10_000): Promise<EngineBenchResult> {
  const random = seededRandom(7);
  const wf = workflow([parallel('dag', layeredDag(steps, 100, 42))], {
    resourceLimits: { maxParallel: 256 },
  });
  const t0 = performance.now();
  const plan = buildPlan(wf);
  const state = createRunState(plan, { runId: 'bench', context: {} }, 0);
  const planMs = performance.now() - t0;
  const durations = new Map<string, number>();
  const result = simulate(plan, state, {
    script: Object.fromEntries(
      wf.steps[0]!.steps.map((s) => {
        const d = 1 + Math.floor(random() * 100);
        durations.set(s.name, d);
        return [s.name, { durationMs: d }];
      }),
    ),
  });
  if (result.state.phase !== 'Succeeded') throw new Error(`bench run ended ${result.state.phase}`);
  const round = (ms: number): number => Math.round(ms * 10) / 10;
  return {
    steps,
    engineMs: round(planMs + result.engineMs),
    planMs: round(planMs),
    decideMs: round(result.engineMs),
    decideCalls: result.decideCalls,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  void benchEngine().then((r) => console.log(r));
}
