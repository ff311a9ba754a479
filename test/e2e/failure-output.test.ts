// A failed step explains itself: the summary (and `--output json`) carries the last lines of its
// output and a `conveyor logs` command that works exactly as printed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, conveyor, REPO, tempDir } from './cli-harness.ts';

const FIXTURE = join(REPO, 'test/fixtures/e2e/failing-migration.yaml');

/** Runs a printed hint the way a user pastes it into a shell, in the same directory. */
function runPrinted(command: string, cwd: string): { code: number | null; stdout: string; stderr: string } {
  assert.match(command, /^conveyor /);
  const r = spawnSync('sh', ['-c', command.replace(/^conveyor /, `"${process.execPath}" "${BIN}" `)], {
    cwd,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("the summary shows a failed step's last 20 lines of output and a logs command that works as printed", async () => {
  const dir = tempDir();
  const r = await conveyor(['run', FIXTURE, '--run-id', 'm1', '--state-dir', 'elsewhere/state'], {
    cwd: dir,
  });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /ERROR: relation users does not exist/);
  assert.match(r.stdout, /applying change 30/);
  assert.match(r.stdout, /applying change 12\n/);
  assert.doesNotMatch(r.stdout, /applying change 11\n/, 'only the last 20 lines');
  const hint = /(conveyor logs m1 migrate[^\n]*)/.exec(r.stdout)?.[1];
  assert.ok(hint, r.stdout);
  assert.match(hint, /--state-dir/);
  const logs = runPrinted(hint, dir);
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, /applying change 1\n/);
  assert.match(logs.stdout, /ERROR: relation users does not exist/);
});

test('the logs command leaves out --state-dir when the run used the default one', async () => {
  const dir = tempDir();
  const r = await conveyor(['run', FIXTURE, '--run-id', 'm2'], { cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /conveyor logs m2 migrate\n/);
  assert.equal(runPrinted('conveyor logs m2 migrate', dir).code, 0);
});

test('--output json carries the output tail and the logs command of a failed step', async () => {
  const dir = tempDir();
  const r = await conveyor(['run', FIXTURE, '--run-id', 'm3', '-o', 'json', '--state-dir', join(dir, 's')], {
    cwd: dir,
  });
  assert.equal(r.code, 1, r.stderr);
  const json = JSON.parse(r.stdout) as {
    steps: Record<string, { output_tail: string | null; logs_command: string | null }>;
  };
  const migrate = json.steps.migrate;
  assert.ok(migrate?.output_tail);
  const lines = migrate.output_tail.split('\n');
  assert.equal(lines.length, 20);
  assert.equal(lines.at(-1), 'ERROR: relation users does not exist');
  assert.equal(lines[0], 'applying change 12');
  assert.ok(migrate.logs_command);
  const logs = runPrinted(migrate.logs_command, dir);
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, /applying change 1\n/);
  assert.equal(json.steps.after?.output_tail, null);
});
