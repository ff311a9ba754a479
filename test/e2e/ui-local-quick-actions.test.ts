// A retry, resume or rollback started from `conveyor ui` runs in its own process; the page's notice
// says what started. A run quick enough to end before the UI saw its process take the run's lock
// (steps of `echo`, on a busy machine) is still told as started, not as "conveyor retry … exited 0"
// (its exit code says how the run ended).
// The conveyor program here runs the real CLI one process further down, so its lock is never held
// by the process the UI spawned: the UI sees that process end first, every time.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LocalBackend } from '../../src/cli/ui/local-backend.ts';
import { StateStore } from '../../src/cli/state-store.ts';
import { BIN, conveyor, tempDir } from './cli-harness.ts';

const QUICK = 'name: quick\nsteps:\n  - name: say\n    command: echo said\n';
const RELEASE =
  'name: release\nsteps:\n  - name: migrate\n    command: exit 4\nrollback:\n  enabled: true\n  automatic: false\n  steps:\n    - name: restore\n      command: echo restored\n';

/** A run of `workflow` made by the real CLI in a new folder, ended with `code`. */
async function savedRun(
  workflow: string,
  code: number,
): Promise<{ dir: string; stateDir: string; runId: string }> {
  const dir = tempDir();
  const stateDir = join(dir, 'state');
  writeFileSync(join(dir, 'wf.yaml'), workflow);
  const run = await conveyor(['run', 'wf.yaml', '--state-dir', stateDir, '-o', 'json'], { cwd: dir });
  assert.equal(run.code, code, run.stderr);
  return { dir, stateDir, runId: (JSON.parse(run.stdout) as { run_id: string }).run_id };
}

/** The UI's local backend over `stateDir`, running `program` as conveyor. */
function backendOver(stateDir: string, cwd: string, program: string): LocalBackend {
  return new LocalBackend(
    new StateStore(stateDir),
    { cwd, env: {}, now: () => Date.now() } as never,
    program,
  );
}

/** A conveyor program that runs the real CLI one process further down (see above). */
function conveyorBelow(dir: string): string {
  const program = join(dir, 'conveyor-below.mjs');
  writeFileSync(
    program,
    `import { spawnSync } from 'node:child_process';\n` +
      `const r = spawnSync(process.execPath, [${JSON.stringify(BIN)}, ...process.argv.slice(2)], { stdio: 'inherit' });\n` +
      `process.exit(r.status ?? 1);\n`,
  );
  return program;
}

test('a retry that ends before the UI sees it under way is told as the retry it was', async () => {
  const { dir, stateDir, runId } = await savedRun(QUICK, 0);
  const program = conveyorBelow(dir);
  const backend = backendOver(stateDir, dir, program);
  const result = await backend.retry(runId);
  assert.equal(result.ok, true, result.message);
  assert.match(result.message, new RegExp(`^Retrying ${runId} \\(conveyor retry ${runId} --run-id `));
  assert.ok(result.run && result.run !== runId, JSON.stringify(result));
  const history = await conveyor(['history', '--state-dir', stateDir, '-o', 'json']);
  const runs = (JSON.parse(history.stdout) as { runs: { run_id: string; phase: string }[] }).runs;
  assert.equal(runs.find((r) => r.run_id === result.run)?.phase, 'Succeeded', history.stdout);
});

// Seen in CI: the retry's process took the new run's lock, the UI answered at once, and the page
// opened a run not yet saved ("no run …"), which replaced the notice. The conveyor program here
// holds the new run's lock for a while before the real CLI saves the run, as a slow start does.
test('a retry is answered only once its new run is saved, so the page it opens finds it', async () => {
  const { dir, stateDir, runId } = await savedRun(QUICK, 0);
  const program = join(dir, 'conveyor-slow-start.mjs');
  writeFileSync(
    program,
    `import { spawnSync } from 'node:child_process';\n` +
      `import { hostname } from 'node:os';\n` +
      `import { mkdirSync, unlinkSync, writeFileSync } from 'node:fs';\n` +
      `import { join } from 'node:path';\n` +
      `const args = process.argv.slice(2);\n` +
      `const runDir = join(args[args.indexOf('--state-dir') + 1], 'runs', args[args.indexOf('--run-id') + 1]);\n` +
      `mkdirSync(runDir, { recursive: true });\n` +
      `const lock = join(runDir, 'lock');\n` +
      `writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), command: 'retry', since: Date.now() }));\n` +
      `await new Promise((r) => setTimeout(r, 1500));\n` +
      `unlinkSync(lock);\n` +
      `const r = spawnSync(process.execPath, [${JSON.stringify(BIN)}, ...args], { stdio: 'inherit' });\n` +
      `process.exit(r.status ?? 1);\n`,
  );
  const store = new StateStore(stateDir);
  const backend = backendOver(stateDir, dir, program);
  const result = await backend.retry(runId);
  assert.equal(result.ok, true, result.message);
  assert.ok(result.run, JSON.stringify(result));
  assert.ok(store.load(result.run), `run ${result.run} not saved when the UI answered: ${result.message}`);
  assert.match(result.message, new RegExp(`^Retrying ${runId} \\(conveyor retry ${runId} --run-id `));
});

// Seen once the steps started faster: a rollback of a failed run ends with the run still Failed, so
// `conveyor rollback` exits 1 (as `run` does for a failed run); that is a rollback done, not refused.
test('a rollback that ends before the UI sees it under way is told as the rollback it was, though the run stays Failed', async () => {
  const { dir, stateDir, runId } = await savedRun(RELEASE, 1);
  const backend = backendOver(stateDir, dir, conveyorBelow(dir));
  const result = await backend.rollback(runId);
  assert.equal(result.ok, true, result.message);
  assert.match(result.message, new RegExp(`^Rolling back ${runId} \\(conveyor rollback ${runId}`));
  const refused = await backend.rollback(runId);
  assert.equal(refused.ok, false, refused.message);
  assert.match(refused.message, /already rolled back by hand/);
});
