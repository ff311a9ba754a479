// Oversize and deeply nested documents get a clear error instead of exhausting the process.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDiagnostic } from '../../../src/spec/diagnostics.ts';
import { loadWorkflow } from '../../../src/spec/load.ts';

const messages = (text: string) => loadWorkflow(text, 'big.yaml').diagnostics.map(formatDiagnostic);

test('a document over 4 MiB is refused before parsing', () => {
  const text = `name: x\nsteps: []\ndescription: "${'x'.repeat(5 * 1024 * 1024)}"\n`;
  assert.ok(messages(text).some((m) => m.includes('document is larger than 4 MiB')));
});

test('a flow collection nested 100,000 deep is refused', () => {
  const text = `name: x\nsteps: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`;
  assert.ok(messages(text).some((m) => m.includes('nested more than 64 levels')));
});

test('block-nested groups deeper than 64 levels are refused', () => {
  let text = 'name: x\nsteps:\n';
  for (let i = 0; i < 80; i++) text += `${'    '.repeat(i)}  - name: g${i}\n${'    '.repeat(i)}    steps:\n`;
  const m = messages(text);
  assert.ok(
    m.some((l) => l.includes('nested')),
    m.join('\n'),
  );
});

test('a dependency cycle is reported with the whole cycle', () => {
  const text = `name: x
steps:
  - name: g
    parallel: true
    steps:
      - name: a
        command: "true"
        depends_on: [c]
      - name: b
        command: "true"
        depends_on: [a]
      - name: c
        command: "true"
        depends_on: [b]
`;
  const line = messages(text).find((m) => m.includes('dependency cycle'));
  assert.ok(line, 'expected a cycle error');
  const cycle = /dependency cycle: (.*)$/.exec(line)?.[1]?.split(' -> ') ?? [];
  assert.equal(cycle[0], cycle[cycle.length - 1], 'the cycle closes on its first step');
  assert.deepEqual(new Set(cycle), new Set(['a', 'b', 'c']));
  // Each step is followed by one that waits for it.
  const order = cycle.slice(0, -1).join(',');
  assert.ok(['a,b,c', 'b,c,a', 'c,a,b'].includes(order), `unexpected order ${order}`);
});

test('a 5,000-step workflow validates', () => {
  let text = 'name: big\nsteps:\n  - name: all\n    parallel: true\n    parallel_limit: 16\n    steps:\n';
  for (let i = 0; i < 5000; i++) {
    text += `      - name: s${i}\n        command: "echo {{ .workflow_id }} ${i}"\n`;
    if (i >= 10) text += `        depends_on: [s${i - 10}]\n`;
  }
  const result = loadWorkflow(text, 'big.yaml');
  assert.deepEqual(
    result.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  assert.equal(result.workflow?.steps[0]?.steps.length, 5000);
});
