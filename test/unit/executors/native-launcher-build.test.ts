// The native launcher is compiled once per machine and source into the cache folder, with $CC
// when set; a compile failure is remembered (no second attempt at every run) and conveyor starts
// steps with the Perl launcher instead; a missing compiler is not remembered.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  launcherCacheDir,
  nativeLauncherProgram,
} from '../../../src/executors/local/native-launcher-build.ts';
import { ProcessExecutor } from '../../../src/executors/local/process-executor.ts';
import { action, HAS_NATIVE, HAS_PERL, tempDir } from './harness.ts';

/** A compiler that logs each call to `log`, then runs `real` (or fails when `real` is `false`). */
function countingCompiler(dir: string, real: string): { cc: string; calls: () => number } {
  const log = join(dir, 'cc-calls');
  const cc = join(dir, 'counting-cc');
  writeFileSync(cc, `#!/bin/sh\necho called >> '${log}'\nexec ${real} "$@"\n`);
  chmodSync(cc, 0o755);
  return {
    cc,
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0),
  };
}

describe('the native launcher program', { skip: process.platform !== 'linux' }, () => {
  it(
    'is compiled once into the cache folder and reused after',
    { skip: !HAS_NATIVE && !process.env.CI },
    () => {
      const dir = tempDir();
      const { cc, calls } = countingCompiler(dir, 'cc');
      const env = { XDG_CACHE_HOME: join(dir, 'cache'), CC: cc };
      const first = nativeLauncherProgram(env);
      assert.ok(first.path, first.why);
      assert.ok(first.path.startsWith(launcherCacheDir(env)), first.path);
      assert.equal(calls(), 1);
      const built = statSync(first.path).mtimeMs;
      const second = nativeLauncherProgram(env);
      assert.equal(second.path, first.path);
      assert.equal(calls(), 1, 'not compiled again');
      assert.equal(statSync(first.path).mtimeMs, built);
    },
  );

  it('remembers a compile failure and does not try again', () => {
    const dir = tempDir();
    const { cc, calls } = countingCompiler(dir, 'false');
    const env = { XDG_CACHE_HOME: join(dir, 'cache'), CC: cc };
    const first = nativeLauncherProgram(env);
    assert.equal(first.path, undefined);
    assert.match(first.why ?? '', /counting-cc failed/);
    const second = nativeLauncherProgram(env);
    assert.equal(second.path, undefined);
    assert.equal(second.why, first.why);
    assert.equal(calls(), 1);
  });

  it('does not remember a missing compiler, which may be installed later', () => {
    const dir = tempDir();
    const env = { XDG_CACHE_HOME: join(dir, 'cache'), CC: join(dir, 'no-such-cc') };
    assert.match(nativeLauncherProgram(env).why ?? '', /no C compiler/);
    const { cc, calls } = countingCompiler(dir, 'false');
    writeFileSync(join(dir, 'no-such-cc'), readFileSync(cc));
    chmodSync(join(dir, 'no-such-cc'), 0o755);
    nativeLauncherProgram(env);
    assert.equal(calls(), 1, 'the compiler installed since is tried');
  });

  it(
    'leaves conveyor on the Perl launcher when it cannot be compiled',
    { skip: !HAS_PERL && !process.env.CI },
    async () => {
      const dir = tempDir();
      const executor = new ProcessExecutor(
        {
          logDir: join(dir, 'logs'),
          cwd: dir,
          env: {
            ...process.env,
            XDG_CACHE_HOME: join(dir, 'cache'),
            CC: 'false',
            CONVEYOR_LAUNCHER: undefined,
          },
        },
        () => {},
      );
      assert.equal(executor.launcherKind, 'perl');
      await executor.close();
    },
  );

  it('says why when CONVEYOR_LAUNCHER=native asks for it and it cannot be compiled', async () => {
    const dir = tempDir();
    const finished: string[] = [];
    const executor = new ProcessExecutor(
      {
        logDir: join(dir, 'logs'),
        cwd: dir,
        env: { ...process.env, XDG_CACHE_HOME: join(dir, 'cache'), CC: 'false' },
        launcher: 'native',
      },
      (o) => {
        if (o.kind === 'attemptFinished') finished.push(o.error ?? '');
      },
    );
    executor.start(action('a', { command: 'true' }));
    assert.match(
      finished[0] ?? '',
      /CONVEYOR_LAUNCHER=native, but the native launcher is not available: false failed/,
    );
    await executor.close();
  });
});
