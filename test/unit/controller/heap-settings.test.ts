// The controller's heap settings take effect in a running process: its young generation does not
// grow however much short-lived garbage it makes (without them, new space grows to 32 MiB).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SETTINGS = fileURLToPath(new URL('../../../src/controller/heap-settings.ts', import.meta.url));

test('the young generation stays as it is after the controller’s heap settings', () => {
  const script = `
    import v8 from 'node:v8';
    import { applyControllerHeapSettings } from ${JSON.stringify(SETTINGS)};
    const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    const before = newSpace();
    applyControllerHeapSettings();
    let kept = [];
    for (let i = 0; i < 2e6; i++) {
      kept.push({ i, text: 'step-' + i });
      if (kept.length > 50000) kept = [];
    }
    console.log(JSON.stringify({ before, after: newSpace() }));
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const { before, after } = JSON.parse(r.stdout) as { before: number; after: number };
  assert.equal(after, before);
});
