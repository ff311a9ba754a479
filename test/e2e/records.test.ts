// Small untruths, fixed: every hint works as printed, history tells the original start in the same
// JSON as `run -o json`, bad flags are errors with suggestions, I/O problems end in one clean line,
// `list` works in a checkout, and errors point at the exact entry.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, conveyor, REPO, tempDir } from './cli-harness.ts';

const fixture = (name: string): string => join(REPO, 'test/fixtures/e2e', name);
const env = (dir: string) => ({ SYSCTL_LOG: join(dir, 'calls.log'), SYSCTL_DELAY_MS: '5' });
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

/** Runs a printed hint the way a user pastes it into a shell, in the same directory. */
function runPrinted(command: string, cwd: string, extraEnv: Record<string, string>) {
  assert.match(command, /^conveyor /);
  const r = spawnSync('sh', ['-c', command.replace(/^conveyor /, `"${process.execPath}" "${BIN}" `)], {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      PATH: `${join(REPO, 'examples/bin')}:${process.env.PATH ?? ''}`,
      CI: 'true',
      ...extraEnv,
    },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the approve and resume hints of a run waiting for approval work as printed with a non-default state dir', async () => {
  const dir = tempDir();
  const r = await conveyor(
    ['run', fixture('approval-gate.yaml'), '--run-id', 'g1', '--state-dir', 'runs/state'],
    {
      cwd: dir,
      env: env(dir),
    },
  );
  assert.equal(r.code, 3, r.stderr);
  const hints = r.stdout
    .split('\n')
    .filter((l) => /^\s+conveyor /.test(l))
    .map((l) => l.trim());
  assert.equal(hints.length, 2, r.stdout);
  for (const hint of hints) assert.match(hint, /--state-dir runs\/state$/);
  const approve = runPrinted(hints[0] as string, dir, env(dir));
  assert.equal(approve.code, 0, approve.stderr);
  const resume = runPrinted(hints[1] as string, dir, env(dir));
  assert.equal(resume.code, 0, resume.stderr + resume.stdout);
});

test('history shows when a resumed run first started, with the names and ISO times of run -o json', async () => {
  const dir = tempDir();
  const state = ['--state-dir', join(dir, 's')];
  const first = await conveyor(
    ['run', fixture('retry-delays.yaml'), '--run-id', 'h1', '-o', 'json', ...state],
    {
      cwd: dir,
      env: { ...env(dir), SYSCTL_FAIL: 'test smoke:1' },
    },
  );
  assert.equal(first.code, 1, first.stderr);
  const run = JSON.parse(first.stdout) as Record<string, unknown>;
  const resumed = await conveyor(['resume', 'h1', ...state], { cwd: dir, env: env(dir) });
  assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout);
  const history = await conveyor(['history', '-o', 'json', ...state], { cwd: dir });
  const entry = (JSON.parse(history.stdout) as { runs: Record<string, unknown>[] }).runs[0] as Record<
    string,
    unknown
  >;
  for (const key of ['run_id', 'workflow', 'phase', 'reason', 'started_at', 'finished_at'])
    assert.ok(key in entry, `history -o json has ${key}: ${history.stdout}`);
  assert.equal(entry.run_id, 'h1');
  assert.equal(entry.phase, 'Succeeded');
  assert.equal(entry.started_at, run.started_at, 'the original start, not the resume');
  assert.match(String(entry.finished_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const text = await conveyor(['history', ...state], { cwd: dir });
  const started = String(run.started_at).replace('T', ' ').slice(0, 19);
  // The PHASE column tells each round: the failed run, then its resume.
  assert.match(text.stdout, new RegExp(`h1\\s+retry-delays\\s+Failed → Succeeded\\s+${started}`));
});

test('--approve with an unknown step name is an error with a suggestion', async () => {
  const dir = tempDir();
  const r = await conveyor(
    ['run', fixture('approval-gate.yaml'), '--approve', 'swich_traffic', '--state-dir', join(dir, 's')],
    { cwd: dir, env: env(dir) },
  );
  assert.equal(r.code, 2, r.stdout);
  assert.match(r.stderr, /--approve: no step 'swich_traffic' .*did you mean 'switch_traffic'/);
});

test('a malformed list in --set is an error', async () => {
  const dir = tempDir();
  const r = await conveyor(
    [
      'run',
      join(REPO, 'examples/basic-deployment.yaml'),
      '--set',
      'services={api,worker',
      '--state-dir',
      join(dir, 's'),
    ],
    { cwd: dir, env: env(dir) },
  );
  assert.equal(r.code, 2, r.stdout);
  assert.match(r.stderr, /--set "services=\{api,worker": .*missing '\}'/);
});

test('a state dir that cannot be written is one clean error line, not a stack trace', async () => {
  const dir = tempDir();
  const blocker = join(dir, 'not-a-folder');
  writeFileSync(blocker, 'a file where the state dir should be\n');
  const r = await conveyor(
    ['run', fixture('approval-gate.yaml'), '--auto-approve', '--state-dir', join(blocker, 'state')],
    { cwd: dir, env: env(dir) },
  );
  assert.notEqual(r.code, 0);
  assert.doesNotMatch(r.stderr, STACK_FRAME, r.stderr);
  assert.doesNotMatch(r.stderr, /internal error/);
  assert.match(r.stderr, /not-a-folder/);
});

test('conveyor logs into a pipe that closes early ends without a stack trace', async () => {
  const dir = tempDir();
  const chatty = join(dir, 'chatty.yaml');
  writeFileSync(chatty, 'name: chatty\nsteps:\n  - name: talk\n    command: "seq 1 200000"\n');
  const r = await conveyor(['run', chatty, '--run-id', 'c1'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const piped = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" logs c1 talk | head -2`], {
    cwd: dir,
    encoding: 'utf8',
  });
  assert.equal(piped.stdout, '==> talk attempt 1 (main, Succeeded) <==\n1\n');
  assert.doesNotMatch(piped.stderr, STACK_FRAME, piped.stderr);
  assert.equal(piped.stderr, '');
});

test('conveyor list in a folder without ./workflows says where workflows are', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'examples'));
  writeFileSync(
    join(dir, 'examples', 'hello.yaml'),
    'name: hello\nsteps:\n  - name: hi\n    command: "true"\n',
  );
  const r = await conveyor(['list'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /no \.\/workflows folder/i);
  assert.match(r.stdout, /conveyor list examples/);
  const listed = await conveyor(['list', 'examples'], { cwd: dir });
  assert.match(listed.stdout, /hello/);
});

test('an unknown depends_on entry is reported at the entry itself', async () => {
  const r = await conveyor(['validate', fixture('unknown-dependency-entry.yaml')]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /unknown-dependency-entry\.yaml:13:13: steps\[1\]\.steps\[0\]\.depends_on: unknown step 'biuld_docs'/,
  );
});
