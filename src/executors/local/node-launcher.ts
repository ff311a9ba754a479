// Starts step processes with child_process.spawn: the fallback when perl is not available. Costs
// ~2 ms of main-thread time per process (libuv forks Node and waits for the exec), which only
// matters for runs of many very short steps. Behaves like HelperLauncher: own process group (a new
// session, via `detached`), output straight to files, exit 127/126 when the program cannot be run.
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, fsyncSync, openSync, statSync, writeSync } from 'node:fs';
import { completeStartedRecord, GroupHandle, nulByteIn } from './launcher.ts';
import type { LaunchEvents, LaunchHandle, LaunchRequest, LaunchResult, Launcher } from './launcher.ts';

export class NodeLauncher implements Launcher {
  readonly kind = 'node';
  readonly usable = true;
  private readonly env: Readonly<Record<string, string>>;
  private durableFd?: number;
  /** Set while the starts of this turn of the event loop are covered by one fsync. */
  private synced = false;

  constructor(
    baseEnv: Readonly<Record<string, string>>,
    durableFile?: string,
    private readonly readProcessStart?: (pid: number) => string | undefined,
  ) {
    this.env = baseEnv;
    try {
      if (durableFile !== undefined) this.durableFd = openSync(durableFile, 'a');
    } catch {
      // As with a full disk: the steps still run.
    }
  }

  /** One fsync of the durable file before the first start of each batch (see Launcher). */
  private syncDurable(): void {
    if (this.durableFd === undefined || this.synced) return;
    this.synced = true;
    queueMicrotask(() => (this.synced = false));
    try {
      fsyncSync(this.durableFd);
    } catch {
      // As with a full disk: the steps still run.
    }
  }

  start(request: LaunchRequest, events: LaunchEvents): LaunchHandle {
    const handle = new GroupHandle();
    let ended = false;
    const end = (result: LaunchResult): void => {
      if (ended) return;
      ended = true;
      handle.exited();
      events.onExit(result);
    };
    const fail = (error: string): void => queueMicrotask(() => end({ exitCode: null, signal: null, error }));
    const bad = nulByteIn(request);
    if (bad !== undefined) {
      fail(`cannot start: ${JSON.stringify(bad)} contains a NUL byte`);
      return handle;
    }
    const fds: number[] = [];
    try {
      fds.push(openSync(request.stdoutPath, request.stdoutAppend ? 'a' : 'w'));
      if (request.stderrPath !== undefined) fds.push(openSync(request.stderrPath, 'a'));
    } catch (error) {
      fds.forEach((fd) => closeSync(fd));
      fail(`cannot open ${(error as NodeJS.ErrnoException).path ?? 'log file'}: ${(error as Error).message}`);
      return handle;
    }
    const [argv0, ...args] = request.argv;
    this.syncDurable();
    try {
      const child = spawn(argv0 ?? '', args, {
        cwd: request.cwd,
        env: { ...this.env, ...request.env },
        stdio: ['ignore', fds[0], fds[1] ?? fds[0]],
        detached: true,
      });
      child.on('error', (error: NodeJS.ErrnoException) => {
        // Only spawn failures arrive here (nothing else is done with the child).
        if (child.pid !== undefined) return;
        end(this.notStarted(request, error));
      });
      child.on('exit', (code, signal) => end({ exitCode: code, signal }));
      if (child.pid !== undefined) {
        this.record(request, child.pid);
        handle.started(child.pid);
        events.onStart(child.pid);
      }
    } catch (error) {
      fail(`cannot start ${argv0 ?? ''}: ${(error as Error).message}`);
    } finally {
      // The child has its own copies; ours would only leak.
      fds.forEach((fd) => closeSync(fd));
    }
    return handle;
  }

  /** Appends the request's started record to the durable file (see LaunchRequest). */
  private record(request: LaunchRequest, pid: number): void {
    if (request.startedRecord === undefined || this.durableFd === undefined) return;
    try {
      writeSync(
        this.durableFd,
        completeStartedRecord(request.startedRecord, pid, this.readProcessStart?.(pid)),
      );
    } catch {
      // As with a full disk: the steps still run.
    }
  }

  async close(): Promise<void> {
    // Nothing else of its own to stop: the executor waits for its processes.
    if (this.durableFd !== undefined) closeSync(this.durableFd);
    this.durableFd = undefined;
  }

  /** Maps a spawn failure to what `sh` would do: 127 not found, 126 not executable. */
  private notStarted(request: LaunchRequest, error: NodeJS.ErrnoException): LaunchResult {
    if (!isDirectory(request.cwd)) {
      return {
        exitCode: null,
        signal: null,
        error: `cannot change to directory ${request.cwd}: ${error.message}`,
      };
    }
    if (error.code !== 'ENOENT' && error.code !== 'EACCES' && error.code !== 'ENOEXEC') {
      return {
        exitCode: null,
        signal: null,
        error: `cannot start ${request.argv[0] ?? ''}: ${error.message}`,
      };
    }
    const why = error.code === 'ENOENT' ? 'No such file or directory' : 'Permission denied';
    try {
      appendFileSync(
        request.stderrPath ?? request.stdoutPath,
        `conveyor: cannot run ${request.argv[0] ?? ''}: ${why}\n`,
      );
    } catch {
      // The exit code still says it.
    }
    return { exitCode: error.code === 'ENOENT' ? 127 : 126, signal: null };
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
