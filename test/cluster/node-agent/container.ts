// One container instance as a local process: spawned in its own process group (the stand-in for a
// container's cgroup), output captured to its log, and killed as a group.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import type { ContainerLog } from './logs.ts';

export interface Exit {
  exitCode: number;
  signal?: string;
  startedAt: Date;
  finishedAt: Date;
}

export interface ProcessOptions {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  log: ContainerLog;
  /** Folder of pid files: the harness kills what is listed there if the agent itself dies. */
  pidDir: string;
}

/** Raised when the process cannot start at all (the runtime's StartError, exit code 128). */
export class StartError extends Error {}

/** The reason a container runtime gives when exec fails, e.g. `executable file not found in $PATH`. */
function startFailure(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return 'executable file not found in $PATH';
    case 'EACCES':
      return 'permission denied';
    case 'E2BIG':
      return 'argument list too long';
    default:
      return error.message;
  }
}

export class ContainerProcess {
  readonly startedAt = new Date();
  readonly exited: Promise<Exit>;
  private readonly pid: number;
  private readonly pidFile: string;
  private finished = false;

  private constructor(pid: number, pidFile: string, exited: Promise<Exit>) {
    this.pid = pid;
    this.pidFile = pidFile;
    this.exited = exited;
  }

  get processId(): number {
    return this.pid;
  }

  /** Starts the process; resolves once it runs, rejects with StartError if it cannot. */
  static start(options: ProcessOptions): Promise<ContainerProcess> {
    const [command, ...args] = options.argv;
    if (command === undefined) {
      return Promise.reject(
        new StartError('the test node runs commands, not images: the container needs a command'),
      );
    }
    return new Promise((resolve, reject) => {
      const cannotStart = (error: NodeJS.ErrnoException) => {
        options.log.end();
        reject(new StartError(`exec: ${JSON.stringify(command)}: ${startFailure(error)}`));
      };
      let child: ChildProcessByStdio<null, Readable, Readable>;
      try {
        child = spawn(command, args, {
          cwd: options.cwd,
          env: options.env,
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      } catch (error) {
        // Node throws some exec failures at once instead of emitting 'error': E2BIG (arguments or
        // environment too long), EINVAL (a NUL byte in an argument), ENOMEM...
        return cannotStart(error as NodeJS.ErrnoException);
      }
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => options.log.write('stdout', chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => options.log.write('stderr', chunk));
      child.once('error', cannotStart);
      child.once('spawn', () => {
        const pid = child.pid!;
        mkdirSync(options.pidDir, { recursive: true });
        const pidFile = join(options.pidDir, String(pid));
        writeFileSync(pidFile, `${options.cwd}\n`);
        let container: ContainerProcess | undefined = undefined;
        const exited = new Promise<Exit>((done) => {
          let exit: Omit<Exit, 'startedAt'> | undefined;
          child.once('exit', (code, signal) => {
            const signalNumber = signal ? constants.signals[signal] : undefined;
            exit = {
              // A signal death reads as 128 + signal number, as container runtimes report it.
              exitCode: code ?? (signalNumber ? 128 + signalNumber : 137),
              ...(signal ? { signal } : {}),
              finishedAt: new Date(),
            };
            // Also closes pipes held open by background processes, so that 'close' follows.
            container?.afterExit();
          });
          // 'close' comes once stdout and stderr are drained: the log is complete.
          child.once('close', (code, signal) => {
            options.log.end();
            exit ??= { exitCode: code ?? 137, ...(signal ? { signal } : {}), finishedAt: new Date() };
            done({ ...exit, startedAt: container?.startedAt ?? exit.finishedAt });
          });
        });
        container = new ContainerProcess(pid, pidFile, exited);
        resolve(container);
      });
    });
  }

  /** Sends `signal` to the whole process group (the container's processes). */
  signal(signal: NodeJS.Signals): void {
    if (this.finished && signal !== 'SIGKILL') return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      /* the group is already gone */
    }
  }

  /** SIGTERM, then SIGKILL after `graceSeconds` if the process is still there. */
  async stop(graceSeconds: number): Promise<Exit> {
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), Math.max(0, graceSeconds) * 1000);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  private afterExit(): void {
    this.finished = true;
    // When a container's main process ends the runtime tears the container down: nothing it left
    // running in the background survives.
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      /* no group members left */
    }
    rmSync(this.pidFile, { force: true });
  }
}
