// The native launcher's program (native-launcher.c), compiled on first use with the machine's C
// compiler (`$CC`, else `cc`) into the user's cache folder, under a name that changes with the
// source, the platform and the compiler: a conveyor upgrade or another machine sharing a home
// folder never runs a stale or foreign binary. Without a compiler, or when compiling fails (a libc
// without posix_spawn_file_actions_addchdir_np, say), a marker remembers it and conveyor keeps
// using the Perl launcher without trying again at every run.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the source is: next to this module in src/, copied next to the bundle in dist/. */
const SOURCE = new URL('./native-launcher.c', import.meta.url);
/** Compiling takes well under a second; a compiler that hangs must not hold a run up for long. */
const COMPILE_TIMEOUT_MS = 60_000;

export interface NativeLauncherProgram {
  /** The compiled program, when there is one. */
  readonly path?: string;
  /** Why there is none (no compiler, a compile error), for CONVEYOR_LAUNCHER=native's message. */
  readonly why?: string;
}

/** The cache folder conveyor keeps compiled helpers in (XDG's cache home). */
export function launcherCacheDir(env: Readonly<Record<string, string | undefined>>): string {
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'conveyor');
}

/**
 * The compiled native launcher, compiling it first when this source has not been compiled here yet
 * (once per machine and conveyor version; a failure is remembered the same way).
 */
export function nativeLauncherProgram(
  env: Readonly<Record<string, string | undefined>>,
): NativeLauncherProgram {
  // Linux only: the source uses ppoll() and glibc's posix_spawn_file_actions_addchdir_np().
  if (process.platform !== 'linux') return { why: `not on ${process.platform}` };
  let source: string;
  try {
    source = readFileSync(SOURCE, 'utf8');
  } catch (error) {
    return { why: `its source is missing: ${(error as Error).message}` };
  }
  const compiler = env.CC || 'cc';
  const key = createHash('sha256')
    .update(`${source}\0${process.platform}\0${process.arch}\0${compiler}`)
    .digest('hex')
    .slice(0, 16);
  const dir = launcherCacheDir(env);
  const program = join(dir, `launcher-${key}`);
  const failed = `${program}.failed`;
  if (existsSync(program)) return { path: program };
  if (existsSync(failed)) return { why: readFileSync(failed, 'utf8').trim() };
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    return { why: `cannot create ${dir}: ${(error as Error).message}` };
  }
  // Compiled under a name of this process's own, then renamed: concurrent first runs each compile,
  // and each rename publishes a whole program.
  const partial = `${program}.${process.pid}.tmp`;
  try {
    const cc = spawnSync(compiler, ['-O2', '-o', partial, fileURLToPath(SOURCE)], {
      encoding: 'utf8',
      timeout: COMPILE_TIMEOUT_MS,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // No compiler at all is not remembered: one may be installed later, and looking costs little.
    if ((cc.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT')
      return { why: `no C compiler (${compiler})` };
    if (cc.error !== undefined || cc.status !== 0) {
      const said = (cc.stderr || cc.stdout).trim().split('\n').slice(0, 5).join('\n');
      const how = cc.error ? cc.error.message : `exit code ${cc.status ?? cc.signal}`;
      const why = `${compiler} failed (${how})${said ? `: ${said}` : ''}`;
      writeFileSync(failed, `${why}\n`);
      return { why };
    }
    renameSync(partial, program);
    return { path: program };
  } catch (error) {
    return { why: `cannot compile into ${dir}: ${(error as Error).message}` };
  } finally {
    rmSync(partial, { force: true });
  }
}
