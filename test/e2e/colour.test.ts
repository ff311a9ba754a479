// Colour as users see it: phases coloured on a terminal (a real pty through script(1)), never into a
// pipe unless FORCE_COLOR asks, and off with NO_COLOR or --no-color. Also history --workflow.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BIN, conveyor, STAND_IN_PATH, tempDir } from './cli-harness.ts';

const ESC = '\x1b';
/** Any of colour.ts's foreground colours. */
const COLOUR = new RegExp(`${ESC}\\[3`);
const GREEN_SUCCEEDED = '\x1b[32mSucceeded\x1b[0m';
const RED_FAILED = '\x1b[31mFailed\x1b[0m';

/** Runs conveyor with a terminal as its stdout (script(1) gives it a pty), as in an interactive shell. */
function onTerminal(args: readonly string[], cwd: string, env: Record<string, string>): string {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const r = spawnSync('script', ['-qec', quoted, '/dev/null'], {
    cwd,
    env: {
      ...process.env,
      PATH: `${STAND_IN_PATH}:${process.env.PATH ?? ''}`,
      TERM: 'xterm',
      CI: '',
      ...env,
    },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

function project(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'ok.yaml'), 'name: ok\nsteps:\n  - name: a\n    command: "true"\n');
  writeFileSync(join(dir, 'bad.yaml'), 'name: bad\nsteps:\n  - name: a\n    command: "exit 2"\n');
  return dir;
}

describe('colour', () => {
  test('history colours phases on a terminal only; NO_COLOR and --no-color turn it off, FORCE_COLOR forces it into a pipe', async () => {
    const dir = project();
    assert.equal((await conveyor(['run', 'ok.yaml', '--state-dir', 's'], { cwd: dir })).code, 0);
    assert.equal((await conveyor(['run', 'bad.yaml', '--state-dir', 's'], { cwd: dir })).code, 1);

    const piped = await conveyor(['history', '--state-dir', 's'], { cwd: dir, env: { NO_COLOR: '' } });
    assert.ok(!piped.stdout.includes(ESC), piped.stdout);
    assert.match(piped.stdout, /Succeeded/);

    const forced = await conveyor(['history', '--state-dir', 's'], {
      cwd: dir,
      env: { NO_COLOR: '', FORCE_COLOR: '1' },
    });
    assert.ok(forced.stdout.includes(GREEN_SUCCEEDED), forced.stdout);
    assert.ok(forced.stdout.includes(RED_FAILED), forced.stdout);
    // The columns still line up: the colour goes around the padded cell.
    const lines = forced.stdout
      .replaceAll(GREEN_SUCCEEDED, 'Succeeded')
      .replaceAll(RED_FAILED, 'Failed')
      .split('\n');
    assert.equal(lines[1]?.search(/\d{4}-\d\d-\d\d \d\d:/), lines[0]?.indexOf('STARTED'));

    const terminal = onTerminal(['history', '--state-dir', 's'], dir, { NO_COLOR: '' });
    assert.ok(terminal.includes(GREEN_SUCCEEDED), terminal);
    assert.doesNotMatch(onTerminal(['history', '--state-dir', 's'], dir, { NO_COLOR: '1' }), COLOUR);
    assert.doesNotMatch(
      onTerminal(['--no-color', 'history', '--state-dir', 's'], dir, { NO_COLOR: '' }),
      COLOUR,
    );
    assert.doesNotMatch(
      onTerminal(['history', '--state-dir', 's', '--no-color'], dir, { NO_COLOR: '', FORCE_COLOR: '1' }),
      COLOUR,
    );
  });

  test("a run's summary and get colour the phase on a terminal", async () => {
    const dir = project();
    const run = await conveyor(['run', 'bad.yaml', '--state-dir', 's', '--run-id', 'r'], {
      cwd: dir,
      env: { NO_COLOR: '', FORCE_COLOR: '1' },
    });
    assert.equal(run.code, 1);
    assert.ok(run.stdout.includes(`bad r: ${RED_FAILED}`), run.stdout);
    const get = onTerminal(['get', 'r', '--state-dir', 's'], dir, { NO_COLOR: '' });
    assert.ok(get.includes(`Phase:     ${RED_FAILED}`), get);
  });

  test('history --workflow lists the runs of one workflow', async () => {
    const dir = project();
    assert.equal(
      (await conveyor(['run', 'ok.yaml', '--state-dir', 's', '--run-id', 'o1'], { cwd: dir })).code,
      0,
    );
    assert.equal(
      (await conveyor(['run', 'bad.yaml', '--state-dir', 's', '--run-id', 'b1'], { cwd: dir })).code,
      1,
    );
    const r = await conveyor(['history', '--state-dir', 's', '--workflow', 'bad', '-o', 'json'], {
      cwd: dir,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      (JSON.parse(r.stdout) as { runs: { run_id: string }[] }).runs.map((x) => x.run_id),
      ['b1'],
    );
  });
});
