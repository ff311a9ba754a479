// The process executor, run against every launcher (native and Perl helpers, child_process.spawn): exit
// codes, output files and bounded capture, env, cwd, scripts and shells, timeouts and cancellation
// of whole process groups, SIGKILL after the grace period, idempotent starts, many short steps.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { processStartTime } from '../../../src/cli/process-identity.ts';
import { action, alive, Harness, lacks, LAUNCHERS, readPid, waitFor } from './harness.ts';
import { ProcessExecutor } from '../../../src/executors/local/process-executor.ts';

for (const launcher of LAUNCHERS) {
  describe(`ProcessExecutor with the ${launcher} launcher`, { skip: lacks(launcher) }, () => {
    const harnesses: Harness[] = [];
    const harness = (options?: ConstructorParameters<typeof Harness>[1]): Harness => {
      const h = new Harness(launcher, options);
      harnesses.push(h);
      return h;
    };
    after(async () => {
      await Promise.all(harnesses.map((h) => h.dispose()));
    });

    it(`starts processes with the ${launcher} launcher`, () => {
      assert.equal(harness().executor.launcherKind, launcher);
    });

    it('starts processes after syncing the durable file, which it never writes to', async () => {
      const base = harness();
      const journal = join(base.dir, 'journal.jsonl');
      writeFileSync(journal, '{"event":"start","step":"a","attempt":1}\n');
      const h = harness({ durableFile: journal });
      const results = await Promise.all(['a', 'b', 'c'].map((step) => h.run(step, { command: 'true' })));
      assert.deepEqual(
        results.map((r) => r.exitCode),
        [0, 0, 0],
      );
      assert.equal(readFileSync(journal, 'utf8'), '{"event":"start","step":"a","attempt":1}\n');
    });

    it('names each process in the durable file before it reports the start, so that a killed conveyor leaves it recorded', async () => {
      const dir = harness().dir;
      const journal = join(dir, 'journal.jsonl');
      writeFileSync(journal, '');
      const seenAtStart = new Map<string, string>();
      const done: Promise<void>[] = [];
      const ended = new Map<string, () => void>();
      const executor = new ProcessExecutor(
        {
          logDir: join(dir, 'logs'),
          cwd: dir,
          env: process.env,
          launcher,
          durableFile: journal,
          startedRecord: (a) => `{"event":"started","step":${JSON.stringify(a.step)},"attempt":${a.attempt}`,
          readProcessStart: processStartTime,
        },
        (o) => {
          // What the journal holds the moment the start is heard of.
          if (o.kind === 'attemptStarted') seenAtStart.set(o.step, readFileSync(journal, 'utf8'));
          if (o.kind === 'attemptFinished') ended.get(o.step)?.();
        },
      );
      for (const step of ['a', 'b\t"quoted"']) {
        done.push(new Promise((resolve) => ended.set(step, resolve)));
        executor.start(action(step, { command: 'true' }));
      }
      await Promise.all(done);
      await executor.close();
      const lines = readFileSync(journal, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.equal(lines.length, 2, JSON.stringify(lines));
      for (const step of ['a', 'b\t"quoted"']) {
        const line = lines.find((l) => l.step === step);
        assert.ok(line, `${step} recorded`);
        assert.equal(line.event, 'started');
        assert.equal(line.attempt, 1);
        assert.ok(Number.isInteger(line.pid) && (line.pid as number) > 0, JSON.stringify(line));
        if (process.platform === 'linux') assert.match(String(line.process_start), /^\d+$/);
        assert.match(seenAtStart.get(step) ?? '', new RegExp(`"pid":${line.pid as number}[,}]`));
      }
    });

    it('gives the start time of a running process as /proc has it, where the launcher read it', async () => {
      const h = harness();
      h.start('sleeper', { command: 'sleep 30' });
      const pid = await waitFor('the pid', () => h.startedPid('sleeper'));
      const known = h.executor.processStartOf(pid);
      if (launcher !== 'node' && process.platform === 'linux') assert.equal(known, processStartTime(pid));
      else assert.equal(known, undefined, 'spawn leaves it to the caller');
      h.executor.cancel({
        kind: 'cancelAttempt',
        step: 'sleeper',
        attempt: 1,
        attemptId: 'sleeper-1',
        reason: 'test',
      });
      await h.finished('sleeper');
      assert.equal(h.executor.processStartOf(pid), undefined, 'forgotten once it ended');
    });

    it('a durable file that cannot be opened does not keep processes from starting', async () => {
      const h = harness({ durableFile: '/nonexistent/conveyor/journal.jsonl' });
      const r = await h.run('a', { command: 'true' });
      assert.equal(r.exitCode, 0);
      assert.equal(r.error, undefined);
    });

    it('reports exit codes, with and without a shell', async () => {
      const h = harness();
      const [direct, failing, shell] = await Promise.all([
        h.run('direct', { command: 'true' }),
        h.run('failing', { command: 'false' }),
        h.run('shell', { command: 'exit 3' }),
      ]);
      assert.equal(direct.exitCode, 0);
      assert.equal(failing.exitCode, 1);
      assert.equal(shell.exitCode, 3);
      assert.equal(shell.error, undefined);
      assert.ok(Number.isInteger(h.startedPid('shell')), 'attemptStarted carries `pid N`');
    });

    it('a missing command exits 127, directly exec`d or through sh', async () => {
      const h = harness();
      const direct = await h.run('direct', { command: 'conveyor-no-such-command --flag' });
      const viaShell = await h.run('shell', { command: 'conveyor-no-such-command "$HOME"' });
      assert.equal(direct.exitCode, 127);
      assert.equal(direct.error, undefined);
      assert.match(h.log('direct'), /conveyor-no-such-command/);
      assert.equal(viaShell.exitCode, 127);
    });

    it('writes stdout and stderr to one log, in order', async () => {
      const h = harness();
      const r = await h.run('both', { command: 'echo one; echo two >&2; echo three' });
      assert.equal(r.exitCode, 0);
      assert.equal(r.output, undefined);
      assert.equal(h.log('both'), 'one\ntwo\nthree\n');
    });

    it('captures stdout (stderr stays in the log)', async () => {
      const h = harness();
      const r = await h.run('cap', { command: 'echo hello; echo oops >&2', captureOutput: true });
      assert.equal(r.output, 'hello\n');
      assert.equal(r.outputTruncated, undefined);
      assert.equal(h.log('cap'), 'oops\n');
      assert.equal(h.log('cap', 'out'), 'hello\n');
    });

    it('keeps at most maxCaptureBytes of stdout and says it truncated', async () => {
      const h = harness({ maxCaptureBytes: 10 });
      const r = await h.run('big', { command: 'printf "%0100d" 0', captureOutput: true });
      assert.equal(r.exitCode, 0);
      assert.equal(r.output, '0'.repeat(10));
      assert.equal(r.outputTruncated, true);
      const exact = await h.run('exact', { command: 'printf 0123456789', captureOutput: true });
      assert.equal(exact.output, '0123456789');
      assert.equal(exact.outputTruncated, undefined);
    });

    it('passes the base env, CONVEYOR_STEP/ATTEMPT and the step env (which wins)', async () => {
      const tricky = 'tab\there\nnewline \\back\\slash ünïcødé $HOME';
      const h = harness({
        env: { ...process.env, BASE_ONLY: 'base', OVERRIDDEN: 'base', GONE: undefined },
      });
      const r = await h.run('envy', {
        attempt: 1,
        command:
          'printf "%s|%s|%s|%s|%s|%s" "$BASE_ONLY" "$OVERRIDDEN" "$CONVEYOR_STEP" "$CONVEYOR_ATTEMPT" "${GONE-unset}" "$TRICKY"',
        env: { OVERRIDDEN: 'step', TRICKY: tricky },
        captureOutput: true,
      });
      assert.equal(r.output, `base|step|envy|1|unset|${tricky}`);
    });

    it('runs in the configured cwd', async () => {
      const h = harness();
      const sub = join(h.dir, 'sub dir');
      mkdirSync(sub);
      const h2 = harness({ cwd: sub });
      const r = await h2.run('where', { command: '/bin/pwd -P', captureOutput: true });
      assert.equal(r.output?.trim(), realpathSync(sub));
    });

    it('a cwd that does not exist is an error, not an exit code', async () => {
      const h = harness();
      const h2 = harness({ cwd: join(h.dir, 'missing') });
      const r = await h2.run('nowhere', { command: 'true' });
      assert.equal(r.exitCode, null);
      assert.match(r.error ?? '', /missing/);
    });

    it('runs a script through its shebang, or through `shell`/sh without one', async () => {
      const h = harness();
      const shebang = await h.run('shebang', {
        script: '#!/bin/sh\necho "script $CONVEYOR_STEP"\nexit 4\n',
        captureOutput: true,
      });
      assert.equal(shebang.exitCode, 4);
      assert.equal(shebang.output, 'script shebang\n');
      const plain = await h.run('plain', { script: 'echo plain\n', captureOutput: true });
      assert.equal(plain.output, 'plain\n');
      const bash = await h.run('bashed', {
        script: 'echo "${BASH_VERSION:+bash}"\n',
        shell: 'bash',
        captureOutput: true,
      });
      assert.equal(bash.output, 'bash\n');
    });

    it('runs a program without a #! line that PATH finds through sh, as execvp does', async () => {
      const h = harness();
      const bin = join(h.dir, 'tools');
      mkdirSync(bin);
      writeFileSync(join(bin, 'no-shebang-tool'), 'echo "ran $0 with $1"\n', { mode: 0o755 });
      const r = await h.run('tool', {
        command: 'no-shebang-tool first',
        env: { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` },
        captureOutput: true,
      });
      assert.equal(r.exitCode, 0);
      assert.equal(r.output, `ran ${join(bin, 'no-shebang-tool')} with first\n`);
    });

    it('runs a command with `shell: bash`', async () => {
      const h = harness();
      const r = await h.run('b', {
        command: 'echo "${BASH_VERSION:+bash}" $((1+2))',
        shell: 'bash',
        captureOutput: true,
      });
      assert.equal(r.output, 'bash 3\n');
    });

    it('a timeout kills the whole process group and reports timedOut', async () => {
      const h = harness();
      const bg = join(h.dir, 'bg.pid');
      const leader = join(h.dir, 'leader.pid');
      h.start('slow', {
        command: `sleep 30 & echo $! > ${bg}; echo $$ > ${leader}; wait`,
        timeoutMs: 3000,
      });
      const pids = await waitFor('both pids', () => {
        const a = readPid(bg);
        const b = readPid(leader);
        return a !== undefined && b !== undefined ? [a, b] : undefined;
      });
      const r = await h.finished('slow');
      assert.equal(r.timedOut, true);
      assert.equal(r.exitCode, null);
      assert.equal(r.error, undefined);
      await waitFor('the group to be gone', () => pids.every((pid) => !alive(pid)), 10_000);
    });

    it('cancel stops the whole group with SIGTERM', async () => {
      const h = harness();
      const bg = join(h.dir, 'bg.pid');
      h.start('c', { command: `sleep 30 & echo $! > ${bg}; wait` });
      const child = await waitFor('the background pid', () => readPid(bg));
      h.executor.cancel({ kind: 'cancelAttempt', attemptId: 'c-1', step: 'c', attempt: 1, reason: 'test' });
      const r = await h.finished('c');
      assert.equal(r.exitCode, null);
      assert.equal(r.error, 'killed by SIGTERM');
      await waitFor('the background child to be gone', () => !alive(child), 10_000);
    });

    it('a cancel that comes before the process started is applied when it starts', async () => {
      const h = harness();
      h.start('early', { command: 'sleep 30' });
      h.executor.cancel({
        kind: 'cancelAttempt',
        attemptId: 'early-1',
        step: 'early',
        attempt: 1,
        reason: 'test',
      });
      const r = await h.finished('early');
      assert.equal(r.exitCode, null);
      assert.match(r.error ?? '', /killed by SIG(TERM|KILL)/);
    });

    it('sends SIGKILL after the grace period to a group that ignores SIGTERM', async () => {
      const h = harness({ killGraceMs: 300 });
      const ready = join(h.dir, 'ready');
      h.start('stubborn', { command: `trap '' TERM; echo > ${ready}; sleep 30; echo survived` });
      await waitFor('the trap to be set', () => existsSync(ready));
      h.executor.cancel({
        kind: 'cancelAttempt',
        attemptId: 'stubborn-1',
        step: 'stubborn',
        attempt: 1,
        reason: 't',
      });
      const r = await h.finished('stubborn');
      assert.equal(r.error, 'killed by SIGKILL');
      assert.doesNotMatch(h.log('stubborn'), /survived/);
    });

    it('close() kills at once what is already stopping (a second Ctrl-C)', async () => {
      const h = harness({ killGraceMs: 600_000 });
      const ready = join(h.dir, 'ready');
      h.start('stubborn', { command: `trap '' TERM; echo > ${ready}; sleep 30` });
      await waitFor('the trap to be set', () => existsSync(ready));
      h.executor.cancel({
        kind: 'cancelAttempt',
        attemptId: 'stubborn-1',
        step: 'stubborn',
        attempt: 1,
        reason: 't',
      });
      await h.executor.close();
      assert.equal(h.finishedOf('stubborn')[0]?.error, 'killed by SIGKILL');
    });

    it('starting the same attempt id twice starts it once', async () => {
      const h = harness();
      const marks = join(h.dir, 'marks');
      h.start('once', { command: `echo x >> ${marks}` });
      h.start('once', { command: `echo x >> ${marks}` });
      await h.finished('once');
      await h.executor.close();
      assert.equal(h.finishedOf('once').length, 1);
      assert.equal(h.observations.filter((o) => o.kind === 'attemptStarted').length, 1);
      assert.equal(h.log('once'), '');
      assert.equal(existsSync(marks), true);
    });

    it('200 quick commands, 16 at a time, each report exactly once', async () => {
      const h = harness();
      const total = 200;
      let next = 0;
      let running = 0;
      let maxRunning = 0;
      const startNext = (): void => {
        while (running < 16 && next < total) {
          const i = next++;
          running++;
          maxRunning = Math.max(maxRunning, running);
          h.start(`q${i}`, { command: i % 2 ? 'true' : `exit ${i % 7}` });
        }
      };
      const seen = new Map<string, number>();
      const poll = setInterval(() => {
        const ended = h.observations.filter((o) => o.kind === 'attemptFinished').length;
        running = next - ended;
        startNext();
      }, 5);
      try {
        startNext();
        await waitFor(
          'all to finish',
          () => h.observations.filter((o) => o.kind === 'attemptFinished').length >= total,
        );
      } finally {
        clearInterval(poll);
      }
      await h.executor.close();
      for (const o of h.observations) {
        if (o.kind === 'attemptFinished') {
          seen.set(o.step, (seen.get(o.step) ?? 0) + 1);
          const i = Number(o.step.slice(1));
          assert.equal(o.exitCode, i % 2 ? 0 : i % 7, o.step);
        }
      }
      assert.equal(seen.size, total);
      assert.ok([...seen.values()].every((n) => n === 1));
      assert.ok(maxRunning <= 16);
    });

    it('close() waits for running steps and a later start still works', async () => {
      const h = harness({ killGraceMs: 200 });
      h.start('running', { command: 'sleep 30' });
      await waitFor('it to start', () => h.startedPid('running'));
      await h.executor.close();
      assert.equal(h.finishedOf('running').length, 1);
      const r = await h.run('after', { command: 'exit 5' });
      assert.equal(r.exitCode, 5);
    });
  });
}

for (const helper of ['native', 'perl'] as const) {
  describe(
    `the ${helper} launcher when its helper dies`,
    { skip: lacks(helper) || process.platform !== 'linux' },
    () => {
      it('reports the running steps as failed, stops them, and later starts still work', async () => {
        const h = new Harness(helper);
        try {
          h.start('victim', { command: 'sleep 30' });
          const pid = await waitFor('the step to start', () => h.startedPid('victim'));
          const found = await waitFor('the helper', () => childOf(process.pid, helper));
          process.kill(found, 'SIGKILL');
          const r = await h.finished('victim');
          assert.equal(r.exitCode, null);
          assert.match(r.error ?? '', /launcher exited unexpectedly/);
          await waitFor('the orphaned step to be stopped', () => !alive(pid), 10_000);
          const again = await h.run('next', { command: 'exit 7' });
          assert.equal(again.exitCode, 7);
        } finally {
          await h.dispose();
        }
      });
    },
  );
}

/** The pid of this helper (`perl`, or the native `launcher-…`) whose parent is `parent` (Linux /proc). */
function childOf(parent: number, helper: 'native' | 'perl'): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      const matches = helper === 'perl' ? name === 'perl' : name.startsWith('launcher-');
      if (matches && ppid === parent) return Number(entry);
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}
