// The live progress box: aligned borders, a line per top-level step, running steps with attempt and
// elapsed time, and the footer with percentage and time left.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildPlan, createRunState, decide } from '../../../src/engine/index.ts';
import { loadWorkflow } from '../../../src/spec/load.ts';
import { renderBox } from '../../../src/cli/progress/live-box.ts';

const WIDE = new Set(['⏳']);
const columns = (line: string): number => [...line].reduce((n, c) => n + (WIDE.has(c) ? 2 : 1), 0);

test('the box shows each top-level step with its state and stays aligned', () => {
  const { workflow } = loadWorkflow(
    `name: demo
description: Demo deployment
steps:
  - name: check
    description: Verify health
    command: "true"
  - name: deploy
    parallel: true
    steps:
      - name: api
        command: "true"
      - name: worker
        command: "true"
`,
    'demo.yaml',
  );
  assert.ok(workflow);
  const plan = buildPlan(workflow);
  const started = decide(plan, createRunState(plan, { runId: 'r1', context: {} }, 0), [], 0).state;
  const lines = renderBox(plan, started, 65_000, 120_000, 100);
  assert.match(lines[0] ?? '', /^┌─ Demo deployment ─+┐$/);
  assert.ok(
    lines.some((l) => l.includes('⏳ Verify health (1m5s)')),
    lines.join('\n'),
  );
  assert.ok(
    lines.some((l) => l.includes('⏸ deploy (0/2)')),
    lines.join('\n'),
  );
  assert.match(lines.at(-1) ?? '', /Progress: 0% \(2m remaining\)/);
  const widths = new Set(lines.map(columns));
  assert.equal(widths.size, 1, `every line has the same width:\n${lines.join('\n')}`);
});
