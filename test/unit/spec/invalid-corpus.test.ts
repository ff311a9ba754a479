// Every malformed workflow in test/fixtures/invalid gets a located, specific error and never a crash.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatDiagnostic } from '../../../src/spec/diagnostics.ts';
import { loadWorkflow } from '../../../src/spec/load.ts';

const dir = new URL('../../fixtures/invalid/', import.meta.url).pathname;
const files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f));

test('the malformed corpus holds at least 60 workflows', () => {
  assert.ok(files.length >= 60, `only ${files.length} fixtures`);
});

for (const file of files) {
  const expected = readFileSync(join(dir, file.replace(/\.(ya?ml|json)$/, '.expect')), 'utf8').trim();
  test(`reports ${file.replace(/\.(ya?ml|json)$/, '')} with a located error`, () => {
    const result = loadWorkflow(readFileSync(join(dir, file), 'utf8'), file);
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    const lines = errors.map(formatDiagnostic);
    assert.equal(result.workflow, undefined, 'an invalid workflow must not load');
    assert.ok(errors.length > 0, 'expected at least one error');
    for (const d of errors) {
      assert.equal(d.file, file);
      assert.ok((d.line ?? 0) >= 1, `error without a line: ${formatDiagnostic(d)}`);
    }
    assert.ok(
      lines.some((l) => l.includes(expected)),
      `expected an error containing\n  ${expected}\ngot\n  ${lines.join('\n  ')}`,
    );
  });
}
