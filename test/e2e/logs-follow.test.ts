// `conveyor logs RUN -f` on a local run in progress, as users call it from a second terminal: it
// starts before the step does, prints each line while the step still runs, and ends with the run.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BIN, conveyor, STAND_IN_PATH, tempDir } from './cli-harness.ts';

// `first` waits for the test's go-ahead before it starts `talk`; `talk` prints a line, then waits
// until the test has seen that line before it prints the next one and ends.
const WORKFLOW = `name: chatty
steps:
  - name: first
    command: "while [ ! -f go ]; do sleep 0.05; done"
  - name: talk
    command: "echo hello from talk; while [ ! -f seen ]; do sleep 0.05; done; echo é-done >&2"
  - name: last
    command: "echo bye"
`;

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 25));
}

describe('logs -f on a local run', () => {
  test('follows a run from before its step starts to its end, each line as it is written', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'chatty.yaml'), WORKFLOW);
    const running = conveyor(['run', 'chatty.yaml', '--state-dir', 'state', '--run-id', 'r'], { cwd: dir });
    await until(() => existsSync(join(dir, 'state', 'runs', 'r', 'state.json')));

    const follower = spawn(process.execPath, [BIN, 'logs', 'r', '-f', '--state-dir', 'state'], {
      cwd: dir,
      env: { ...process.env, PATH: `${STAND_IN_PATH}:${process.env.PATH ?? ''}`, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let exited = false;
    follower.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const ended = new Promise<number | null>((resolve) =>
      follower.on('close', (code) => {
        exited = true;
        resolve(code);
      }),
    );
    writeFileSync(join(dir, 'go'), '');
    // The first line arrives while `talk` still runs (it waits for `seen`).
    await until(() => out.includes('hello from talk\n') || exited);
    assert.match(out, /==> talk attempt 1 \(main, running\) <==\nhello from talk\n/);
    assert.equal(exited, false, 'logs -f still follows while the run goes on');
    writeFileSync(join(dir, 'seen'), '');

    const run = await running;
    assert.equal(run.code, 0, run.stderr);
    assert.equal(await ended, 0);
    assert.match(
      out,
      /hello from talk\né-done\n\n==> last attempt 1 \(main, (running|Succeeded)\) <==\nbye\n$/,
    );
  });

  test(
    'ends once its reader has gone (logs -f | head), while the run goes on',
    { timeout: 120_000 },
    async (t) => {
      const dir = tempDir();
      // Prints a line every 50 ms until the test says stop: the run outlives the follower.
      writeFileSync(
        join(dir, 'endless.yaml'),
        'name: endless\nsteps:\n  - name: talk\n    command: "while [ ! -f stop ]; do echo tick; sleep 0.05; done"\n',
      );
      const running = conveyor(['run', 'endless.yaml', '--state-dir', 'state', '--run-id', 'e'], {
        cwd: dir,
      });
      await until(() => existsSync(join(dir, 'state', 'runs', 'e', 'state.json')));
      const follower = spawn(process.execPath, [BIN, 'logs', 'e', '-f', '--state-dir', 'state'], {
        cwd: dir,
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // On a failure too, the run ends and the follower goes.
      t.after(() => {
        writeFileSync(join(dir, 'stop'), '');
        follower.kill();
      });
      let out = '';
      let stderr = '';
      follower.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const ended = new Promise<number | null>((resolve) => follower.on('close', (code) => resolve(code)));
      await new Promise<void>((resolve) =>
        follower.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('tick\n')) resolve();
        }),
      );
      // What `head -1` does once it has its line: the reading end of the pipe closes.
      follower.stdout.destroy();
      assert.equal(await ended, 0, stderr);
      assert.equal(existsSync(join(dir, 'stop')), false, 'the run still goes on');
      writeFileSync(join(dir, 'stop'), '');
      assert.equal((await running).code, 0);
    },
  );

  test('ends at once for a finished run, printing what it wrote', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'chatty.yaml'), WORKFLOW);
    writeFileSync(join(dir, 'go'), '');
    writeFileSync(join(dir, 'seen'), '');
    assert.equal(
      (await conveyor(['run', 'chatty.yaml', '--state-dir', 'state', '--run-id', 'r'], { cwd: dir })).code,
      0,
    );
    const r = await conveyor(['logs', 'r', 'last', '--follow', '--state-dir', 'state'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '==> last attempt 1 (main, Succeeded) <==\nbye\n');
  });
});
