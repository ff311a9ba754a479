// Runs step attempts as local child processes: `sh -c` (or `shell`) for commands, the script's
// shebang for scripts, each in its own process group so a timeout or Ctrl-C stops its children too.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { CancelAttemptAction, StartAttemptAction } from '../../engine/types.ts';
import type { ObservationSink, StepExecutor } from '../executor.ts';
import { BoundedBuffer } from './bounded-buffer.ts';

export interface ProcessExecutorOptions {
  /** Folder for per-attempt logs and script files. */
  readonly logDir: string;
  readonly cwd: string;
  /** Environment every step inherits (the step's own env is added on top). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** How long a process group gets between SIGTERM and SIGKILL. */
  readonly killGraceMs?: number;
  /** Bound on captured stdout kept in memory. */
  readonly maxCaptureBytes?: number;
  /** Called with every chunk of output, for live display. */
  readonly onOutput?: (step: string, attempt: number, stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

interface Running {
  readonly child: ChildProcess;
  readonly action: StartAttemptAction;
  readonly stdout: BoundedBuffer;
  readonly log: WriteStream;
  timedOut: boolean;
  timer?: NodeJS.Timeout;
  killTimer?: NodeJS.Timeout;
  readonly done: Promise<void>;
}

export class ProcessExecutor implements StepExecutor {
  private readonly running = new Map<string, Running>();
  private readonly started = new Set<string>();
  private readonly grace: number;

  constructor(
    private readonly options: ProcessExecutorOptions,
    private readonly report: ObservationSink,
  ) {
    this.grace = options.killGraceMs ?? 5000;
    mkdirSync(options.logDir, { recursive: true });
  }

  start(action: StartAttemptAction): void {
    if (this.started.has(action.attemptId)) return;
    this.started.add(action.attemptId);
    const argv = this.commandLine(action);
    const logPath = join(this.options.logDir, `${safeFileName(action.attemptId)}.log`);
    const log = createWriteStream(logPath, { flags: 'a' });
    let child: ChildProcess;
    try {
      child = spawn(argv[0] as string, argv.slice(1), {
        cwd: this.options.cwd,
        env: {
          ...this.options.env,
          CONVEYOR_STEP: action.step,
          CONVEYOR_ATTEMPT: String(action.attempt),
          ...action.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
    } catch (error) {
      log.end();
      this.finish(action, { exitCode: null, error: `cannot start: ${(error as Error).message}` });
      return;
    }
    const stdout = new BoundedBuffer(this.options.maxCaptureBytes ?? 1024 * 1024);
    let spawnError: string | undefined;
    const done = new Promise<void>((resolve) => {
      child.on('error', (error) => {
        spawnError = `cannot start ${argv[0] as string}: ${error.message}`;
      });
      child.on('close', (code, signal) => {
        const entry = this.running.get(action.attemptId);
        if (entry?.timer) clearTimeout(entry.timer);
        if (entry?.killTimer) clearTimeout(entry.killTimer);
        this.running.delete(action.attemptId);
        log.end();
        this.finish(action, {
          exitCode: spawnError ? null : code,
          timedOut: entry?.timedOut,
          output: action.captureOutput ? stdout.text() : undefined,
          outputTruncated: action.captureOutput ? stdout.truncated : undefined,
          error: spawnError ?? (signal && !entry?.timedOut ? `killed by ${signal}` : undefined),
        });
        resolve();
      });
    });
    const entry: Running = { child, action, stdout, log, timedOut: false, done };
    child.stdout?.on('data', (chunk: Buffer) => {
      if (action.captureOutput) stdout.push(chunk);
      log.write(chunk);
      this.options.onOutput?.(action.step, action.attempt, 'stdout', chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      log.write(chunk);
      this.options.onOutput?.(action.step, action.attempt, 'stderr', chunk);
    });
    if (action.timeoutMs !== undefined) {
      entry.timer = setTimeout(() => {
        entry.timedOut = true;
        this.stop(entry);
      }, action.timeoutMs);
    }
    this.running.set(action.attemptId, entry);
    this.report({
      kind: 'attemptStarted',
      step: action.step,
      attempt: action.attempt,
      at: Date.now(),
      handle: `pid ${child.pid ?? '?'}`,
    });
  }

  cancel(action: CancelAttemptAction): void {
    const entry = this.running.get(action.attemptId);
    if (entry) this.stop(entry);
  }

  async close(): Promise<void> {
    const all = [...this.running.values()];
    for (const entry of all) this.stop(entry);
    await Promise.all(all.map((e) => e.done));
  }

  /** SIGTERM to the whole process group, SIGKILL after the grace period. */
  private stop(entry: Running): void {
    if (entry.killTimer) return;
    signalGroup(entry.child, 'SIGTERM');
    entry.killTimer = setTimeout(() => signalGroup(entry.child, 'SIGKILL'), this.grace);
  }

  private commandLine(action: StartAttemptAction): string[] {
    if (action.script !== undefined) {
      const scriptPath = join(this.options.logDir, `${safeFileName(action.attemptId)}.script`);
      writeFileSync(scriptPath, action.script, { mode: 0o700 });
      // The kernel honours the shebang (including `#!/usr/bin/env bash`) when the file is executed.
      return action.script.startsWith('#!') ? [scriptPath] : [action.shell ?? 'sh', scriptPath];
    }
    return [action.shell ?? 'sh', '-c', action.command ?? ''];
  }

  private finish(
    action: StartAttemptAction,
    result: {
      exitCode: number | null;
      timedOut?: boolean;
      output?: string;
      outputTruncated?: boolean;
      error?: string;
    },
  ): void {
    this.report({
      kind: 'attemptFinished',
      step: action.step,
      attempt: action.attempt,
      exitCode: result.exitCode,
      ...(result.timedOut ? { timedOut: true } : {}),
      ...(result.output !== undefined ? { output: result.output } : {}),
      ...(result.outputTruncated ? { outputTruncated: true } : {}),
      ...(result.error ? { error: result.error } : {}),
    });
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

function safeFileName(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]/g, '_');
}
