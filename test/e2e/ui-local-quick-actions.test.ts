// A retry, resume or rollback started from `conveyor ui` runs in its own process; the page's notice
// says what started. A run quick enough to end before the UI saw its process take the run's lock
// (steps of `echo`, on a busy machine) is still told as started, not as "conveyor retry … exited 0".
// The conveyor program here runs the real CLI one process further down, so its lock is never held
// by the process the UI spawned: the UI sees that process end first, every time.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LocalBackend } from '../../src/cli/ui/local-backend.ts';
import { StateStore } from '../../src/cli/state-store.ts';
import { BIN, conveyor, tempDir } from './cli-harness.ts';

test('a retry that ends before the UI sees it under way is told as the retry it was', async () => {
  const dir = tempDir();
  const stateDir = join(dir, 'state');
  writeFileSync(join(dir, 'quick.yaml'), 'name: quick\nsteps:\n  - name: say\n    command: echo said\n');
  const run = await conveyor(['run', 'quick.yaml', '--state-dir', stateDir, '-o', 'json'], { cwd: dir });
  assert.equal(run.code, 0, run.stderr);
  const runId = (JSON.parse(run.stdout) as { run_id: string }).run_id;
  const program = join(dir, 'conveyor-below.mjs');
  writeFileSync(
    program,
    `import { spawnSync } from 'node:child_process';\n` +
      `const r = spawnSync(process.execPath, [${JSON.stringify(BIN)}, ...process.argv.slice(2)], { stdio: 'inherit' });\n` +
      `process.exit(r.status ?? 1);\n`,
  );
  const backend = new LocalBackend(
    new StateStore(stateDir),
    { cwd: dir, env: {}, now: () => Date.now() } as never,
    program,
  );
  const result = await backend.retry(runId);
  assert.equal(result.ok, true, result.message);
  assert.match(result.message, new RegExp(`^Retrying ${runId} \\(conveyor retry ${runId} --run-id `));
  assert.ok(result.run && result.run !== runId, JSON.stringify(result));
  const history = await conveyor(['history', '--state-dir', stateDir, '-o', 'json']);
  const runs = (JSON.parse(history.stdout) as { runs: { run_id: string; phase: string }[] }).runs;
  assert.equal(runs.find((r) => r.run_id === result.run)?.phase, 'Succeeded', history.stdout);
});
