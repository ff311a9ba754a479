// Benchmark: loading and validating a generated 5,000-step workflow (parse, schema, normalise,
// semantic checks, template parsing), best of several runs in this process.
import { loadWorkflow } from '../../src/spec/load.ts';
import { dagWorkflow, randomDag } from './dag.ts';

export function benchValidation(steps = 5000): {
  steps: number;
  bytes: number;
  bestMs: number;
  medianMs: number;
} {
  const text = dagWorkflow(randomDag(steps, 50), 'echo {{ .workflow_id }} step');
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    const r = loadWorkflow(text, 'bench.yaml');
    times.push(performance.now() - t0);
    if (!r.workflow) throw new Error(`bench workflow is invalid: ${r.diagnostics[0]?.message}`);
  }
  times.sort((a, b) => a - b);
  return { steps, bytes: text.length, bestMs: times[0] as number, medianMs: times[3] as number };
}
