// Local runs survive what happens to a terminal process: a closed pipe, a hangup, a kill, a second
// process on the same run, and a resume after the workflow rolled back. Everything here goes
// through the real CLI with real pipes and real signals.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BIN, conveyor, REPO, STAND_IN_PATH, tempDir } from './cli-harness.ts';
import { callOf, readCalls, stepsCalled } from './call-log.ts';

const BASIC = join(REPO, 'examples/basic-deployment.yaml');
const ALL_STEPS = [
  'pre_deployment_check',
  'deploy_api',
  'deploy_worker',
  'deploy_scheduler',
  'post_deployment_test',
  'notify_team',
];

interface HistoryRun {
  readonly phase: string;
  readonly rounds?: readonly {
    command: string;
    phase: string | null;
    started_at: string;
    failure_handling: string[];
  }[];
  readonly [key: string]: unknown;
}

async function history(dir: string): Promise<HistoryRun[]> {
  const result = await conveyor(['history', '--output', 'json', '--state-dir', join(dir, 'state')], {
    cwd: dir,
  });
  assert.equal(result.code, 0, result.stderr);
  return (JSON.parse(result.stdout) as { runs: HistoryRun[] }).runs;
}

async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function env(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return { SYSCTL_LOG: join(dir, 'calls.log'), SYSCTL_DELAY_MS: '50', ...extra };
}

describe('a closed stdout', () => {
  test('`conveyor run … | head -2` does not stop the run: it goes on quietly to its end', async () => {
    const dir = tempDir();
    // A real shell pipeline: head exits after two lines and the pipe's read end closes.
    const pipeline = spawn(
      'sh',
      [
        '-c',
        `"${process.execPath}" "${BIN}" run "${BASIC}" -e staging --run-id p1 --state-dir state | head -2`,
      ],
      {
        cwd: dir,
        env: { ...process.env, PATH: `${STAND_IN_PATH}:${process.env.PATH ?? ''}`, CI: 'true', ...env(dir) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    pipeline.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // The shell waits for every process of the pipeline, so this is when conveyor has ended.
    await new Promise((r) => pipeline.on('close', r));
    assert.doesNotMatch(stderr, /EPIPE|internal error/, stderr);
    assert.deepEqual(stepsCalled(readCalls(join(dir, 'calls.log'))).sort(), [...ALL_STEPS].sort());
    const runs = await history(dir);
    assert.equal(runs[0]?.phase, 'Succeeded');
  });
});

describe('a run is durable from its first instant', () => {
  test('SIGKILL mid-step leaves a run that history shows and resume finishes', async () => {
    const dir = tempDir();
    const log = join(dir, 'calls.log');
    const first = await conveyor(['run', BASIC, '-e', 'staging', '--run-id', 'k1', '--state-dir', 'state'], {
      cwd: dir,
      env: env(dir, { SYSCTL_SLOW: 'deploy api=1500' }),
      signalWhen: { signal: 'SIGKILL', check: () => readCalls(log).some((c) => c.step === 'deploy_api') },
    });
    assert.equal(first.code, null);
    const runs = await history(dir);
    assert.equal(runs.length, 1, 'the killed run is in history');
    assert.equal(runs[0]?.phase, 'Interrupted');
    // The killed process's step finishes on its own; resume waits for it rather than run it beside it.
    const resumed = await conveyor(['resume', 'k1', '--state-dir', 'state', '--output', 'json'], {
      cwd: dir,
      env: env(dir),
    });
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    assert.equal((JSON.parse(resumed.stdout) as { phase: string }).phase, 'Succeeded');
    const calls = readCalls(log);
    const api = calls.filter((c) => c.step === 'deploy_api');
    assert.equal(api.length, 2, 'deploy_api ran again in a new attempt');
    assert.ok(api[1]!.start >= (api[0]!.end ?? Infinity), 'never beside the orphaned first attempt');
    assert.equal(callOf(calls, 'pre_deployment_check').step, 'pre_deployment_check');
    assert.equal(calls.filter((c) => c.step === 'pre_deployment_check').length, 1);
  });

  test('SIGHUP (the terminal went away) lets the run finish on its own, recorded in history', async () => {
    const dir = tempDir();
    const log = join(dir, 'calls.log');
    const result = await conveyor(['run', BASIC, '-e', 'staging', '--run-id', 'h1', '--state-dir', 'state'], {
      cwd: dir,
      env: env(dir, { SYSCTL_SLOW: 'deploy api=500' }),
      signalWhen: { signal: 'SIGHUP', check: () => readCalls(log).some((c) => c.step === 'deploy_api') },
    });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.deepEqual(stepsCalled(readCalls(log)), [
      'pre_deployment_check',
      'deploy_api',
      ...stepsCalled(readCalls(log)).slice(2, 4),
      'post_deployment_test',
      'notify_team',
    ]);
    assert.equal((await history(dir))[0]?.phase, 'Succeeded');
  });

  test('SIGTERM stops the run (exit 130); resume continues it from the stopped step', async () => {
    const dir = tempDir();
    const log = join(dir, 'calls.log');
    const first = await conveyor(['run', BASIC, '-e', 'staging', '--run-id', 't1', '--state-dir', 'state'], {
      cwd: dir,
      env: env(dir, { SYSCTL_SLOW: 'deploy api=20000' }),
      signalWhen: { signal: 'SIGTERM', check: () => readCalls(log).some((c) => c.step === 'deploy_api') },
    });
    assert.equal(first.code, 130, first.stdout + first.stderr);
    assert.equal((await history(dir))[0]?.phase, 'Cancelled');
    const resumed = await conveyor(['resume', 't1', '--state-dir', 'state'], { cwd: dir, env: env(dir) });
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    assert.deepEqual(
      stepsCalled(readCalls(log)).filter((s) => s === 'pre_deployment_check' || s === 'notify_team'),
      ['pre_deployment_check', 'notify_team'],
    );
  });
});

describe('one process per run', () => {
  test('a second resume, run --run-id or approve of a run in progress is refused, naming the holder', async () => {
    const dir = tempDir();
    // The middle step waits until the test releases it, so the run is in progress for as long as needed.
    writeFileSync(
      join(dir, 'gated.yaml'),
      [
        'name: gated',
        'steps:',
        '  - name: first',
        '    command: echo "first $CONVEYOR_ATTEMPT" >> ran.log',
        '  - name: gate',
        '    command: echo "gate $CONVEYOR_ATTEMPT" >> ran.log; while [ ! -f release ]; do sleep 0.05; done',
        '  - name: last',
        '    command: echo "last $CONVEYOR_ATTEMPT" >> ran.log',
        '',
      ].join('\n'),
    );
    const ran = (): string[] => {
      try {
        return readFileSync(join(dir, 'ran.log'), 'utf8').trim().split('\n');
      } catch {
        return [];
      }
    };
    const first = conveyor(['run', 'gated.yaml', '--run-id', 'd1', '--save-state', '--state-dir', 'state'], {
      cwd: dir,
    });
    await until('the gate step started', () => ran().includes('gate 1'));
    const resumed = await conveyor(['resume', 'd1', '--state-dir', 'state'], { cwd: dir });
    const again = await conveyor(['run', 'gated.yaml', '--run-id', 'd1', '--state-dir', 'state'], {
      cwd: dir,
    });
    const approve = await conveyor(['approve', 'd1', 'gate', '--state-dir', 'state'], { cwd: dir });
    writeFileSync(join(dir, 'release'), '');
    const done = await first;
    assert.equal(done.code, 0, done.stdout + done.stderr);
    for (const refused of [resumed, again, approve]) {
      assert.equal(refused.code, 2, refused.stdout + refused.stderr);
      assert.match(refused.stderr, /run d1 is in use by pid \d+ on \S+ \(conveyor run, since /);
    }
    assert.deepEqual(ran(), ['first 1', 'gate 1', 'last 1'], 'every step ran once');
  });
});

describe('resume after failure handling', () => {
  test('a run that rolled back resumes from the first step, and history keeps both rounds', async () => {
    const dir = tempDir();
    const log = join(dir, 'calls.log');
    const first = await conveyor(
      ['run', BASIC, '-e', 'production', '--run-id', 'r1', '--state-dir', 'state'],
      {
        cwd: dir,
        env: env(dir, { SYSCTL_FAIL: 'deploy worker:1' }),
      },
    );
    assert.equal(first.code, 1, first.stdout + first.stderr);
    assert.ok(stepsCalled(readCalls(log)).includes('rollback'), 'the on_failure rollback ran');
    const before = readCalls(log).length;
    const resumed = await conveyor(['resume', 'r1', '--state-dir', 'state', '--output', 'json'], {
      cwd: dir,
      env: env(dir),
    });
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    assert.match(resumed.stderr, /starting again from the first step/);
    assert.deepEqual(
      stepsCalled(readCalls(log).slice(before)).sort(),
      [...ALL_STEPS].sort(),
      'everything the rollback undid ran again',
    );
    const [run] = await history(dir);
    assert.equal(run?.phase, 'Succeeded');
    assert.deepEqual(
      run?.rounds?.map((r) => [r.command, r.phase]),
      [
        ['run', 'Failed'],
        ['resume', 'Succeeded'],
      ],
    );
    assert.equal(run?.started_at, run?.rounds?.[0]?.started_at, 'history keeps the original start time');
    assert.deepEqual(run?.rounds?.[0]?.failure_handling, ['rollback'], 'the first round rolled back');
  });

  test('resume --from-failed keeps the steps that succeeded even after the rollback', async () => {
    const dir = tempDir();
    const log = join(dir, 'calls.log');
    await conveyor(['run', BASIC, '-e', 'production', '--run-id', 'r2', '--state-dir', 'state'], {
      cwd: dir,
      env: env(dir, { SYSCTL_FAIL: 'deploy worker:1' }),
    });
    const before = readCalls(log).length;
    const resumed = await conveyor(['resume', 'r2', '--from-failed', '--state-dir', 'state'], {
      cwd: dir,
      env: env(dir),
    });
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    assert.ok(!stepsCalled(readCalls(log).slice(before)).includes('pre_deployment_check'));
  });
});
