// Random and hostile input never crashes the loader: it returns a workflow or located errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { loadWorkflow } from '../../../src/spec/load.ts';

function assertLocated(text: string): void {
  const result = loadWorkflow(text, 'random.yaml');
  if (result.workflow) return;
  assert.ok(result.diagnostics.length > 0, 'an unloadable document must say why');
  for (const d of result.diagnostics) {
    assert.equal(d.file, 'random.yaml');
    assert.ok(d.message.length > 0);
  }
}

test('random text never makes the loader throw', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 400 }), (text) => assertLocated(text)),
    { numRuns: 300 },
  );
});

test('random YAML-ish token soup never makes the loader throw', () => {
  const token = fc.constantFrom(
    'name: x\n',
    'steps:\n',
    '  - ',
    'command: ',
    '"{{ ',
    ' }}"',
    '[',
    ']',
    '{',
    '}',
    ': ',
    '\n',
    '    ',
    '&a ',
    '*a',
    '- name: y\n',
    'depends_on: [x]\n',
    'parallel: true\n',
    '|\n',
    '\t',
    '#',
    "'",
  );
  fc.assert(
    fc.property(fc.array(token, { maxLength: 60 }), (tokens) => assertLocated(tokens.join(''))),
    { numRuns: 300 },
  );
});

test('random structured documents never make the loader throw', () => {
  const step = fc.letrec((tie) => ({
    step: fc.record(
      {
        name: fc.oneof(fc.constantFrom('a', 'b', 'c', 'deploy', 'a b'), fc.string({ maxLength: 8 })),
        command: fc.oneof(fc.constant('echo {{ .environment }}'), fc.string({ maxLength: 20 }), fc.integer()),
        depends_on: fc.array(fc.constantFrom('a', 'b', 'c', 'x'), { maxLength: 3 }),
        parallel: fc.boolean(),
        timeout: fc.oneof(fc.constantFrom('30s', '5m', 'soon', -1), fc.integer()),
        steps: fc.array(tie('step'), { maxLength: 3 }),
        retry: fc.record({
          attempts: fc.integer({ min: -2, max: 5 }),
          backoff: fc.constantFrom('linear', 'x'),
        }),
      },
      { requiredKeys: [] },
    ),
  })).step;
  const doc = fc.record(
    { name: fc.string({ maxLength: 10 }), steps: fc.array(step, { maxLength: 4 }) },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(doc, (d) => assertLocated(stringify(d))),
    { numRuns: 200 },
  );
});
