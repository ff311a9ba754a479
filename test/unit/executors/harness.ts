// Test harness for the process executor: builds start actions, collects the observations it
// reports, and polls for conditions with a deadline (never a fixed sleep as an assertion).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  AttemptFinishedObservation,
  Observation,
  StartAttemptAction,
} from '../../../src/engine/types.ts';
import { nativeLauncherProgram } from '../../../src/executors/local/native-launcher-build.ts';
import { ProcessExecutor } from '../../../src/executors/local/process-executor.ts';
import type { ProcessExecutorOptions } from '../../../src/executors/local/process-executor.ts';

export const LAUNCHERS = ['native', 'perl', 'node'] as const;
export type LauncherName = (typeof LAUNCHERS)[number];
export const HAS_PERL = spawnSync('perl', ['-e', '1']).status === 0;
/** Whether the native launcher compiles here (CI installs gcc, so there it must). */
export const HAS_NATIVE = nativeLauncherProgram(process.env).path !== undefined;

/** Skips a launcher this machine lacks, except in CI, where each must run (a skip is no pass). */
export function lacks(launcher: LauncherName): boolean {
  if (process.env.CI) return false;
  return (launcher === 'perl' && !HAS_PERL) || (launcher === 'native' && !HAS_NATIVE);
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'conveyor-exec-'));
}

/** Polls `check` every 10 ms until it returns a value other than undefined/false, or fails. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Whether a process still runs (a zombie nobody reaped yet counts as gone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

export function readPid(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

export class Harness {
  readonly observations: Observation[] = [];
  readonly executor: ProcessExecutor;
  readonly dir: string;
  readonly logDir: string;

  constructor(launcher: LauncherName, options: Partial<ProcessExecutorOptions> = {}) {
    this.dir = tempDir();
    this.logDir = join(this.dir, 'logs');
    this.executor = new ProcessExecutor(
      { logDir: this.logDir, cwd: this.dir, env: process.env, killGraceMs: 500, launcher, ...options },
      (o) => this.observations.push(o),
    );
  }

  start(step: string, fields: Partial<StartAttemptAction>): void {
    this.executor.start(action(step, fields));
  }

  finishedOf(step: string): AttemptFinishedObservation[] {
    return this.observations.filter(
      (o): o is AttemptFinishedObservation => o.kind === 'attemptFinished' && o.step === step,
    );
  }

  startedPid(step: string): number | undefined {
    for (const o of this.observations) {
      if (o.kind === 'attemptStarted' && o.step === step) return Number(o.handle?.replace('pid ', ''));
    }
    return undefined;
  }

  finished(step: string, ms?: number): Promise<AttemptFinishedObservation> {
    return waitFor(`step ${step} to finish`, () => this.finishedOf(step)[0], ms);
  }

  /** Starts one step and waits for its end. */
  async run(step: string, fields: Partial<StartAttemptAction>): Promise<AttemptFinishedObservation> {
    this.start(step, fields);
    return this.finished(step);
  }

  /** Stops whatever still runs and removes the temporary folder. */
  async dispose(): Promise<void> {
    await this.executor.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  log(step: string, ext = 'log'): string {
    return readFileSync(join(this.logDir, `${step}-1.${ext}`), 'utf8');
  }
}

export function action(step: string, fields: Partial<StartAttemptAction>): StartAttemptAction {
  return {
    kind: 'startAttempt',
    attemptId: `${step}-1`,
    step,
    attempt: 1,
    purpose: 'main',
    dynamic: false,
    env: {},
    captureOutput: false,
    ...fields,
  };
}
