// Runs step attempts as local processes: `sh -c` (or `shell`) for commands, plain commands exec'd
// directly, the script's shebang for scripts; each in its own process group so that a timeout or
// Ctrl-C stops its children too (SIGTERM, then SIGKILL after a grace period).
//
// Output goes straight from the process to files in `logDir` (no pipes through Node): stdout and
// stderr share `<attempt>.log`; when the output is captured, stdout goes to `<attempt>.out` instead,
// read back (bounded) when the attempt ends. `conveyor logs` prints both.
//
// Processes are started by a Launcher, the cheapest this machine has (see helper-launcher.ts): the
// native helper (compiled on first use when a C compiler is there), else the Perl helper, else
// child_process.spawn. CONVEYOR_LAUNCHER=native|perl|node in the executor's env forces one.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CancelAttemptAction, StartAttemptAction } from '../../engine/types.ts';
import type { ObservationSink, StepExecutor } from '../executor.ts';
import { attemptFileBase } from './attempt-files.ts';
import { readCapture } from './capture.ts';
import { commandLine } from './command-line.ts';
import type { LaunchHandle, LaunchResult, Launcher } from './launcher.ts';
import { HelperLauncher } from './helper-launcher.ts';
import { nativeLauncherProgram } from './native-launcher-build.ts';
import { NodeLauncher } from './node-launcher.ts';
import { PERL_LAUNCHER_SCRIPT } from './perl-launcher-script.ts';

export type LauncherChoice = 'auto' | 'native' | 'perl' | 'node';

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
  /** Which launcher starts processes (default: env CONVEYOR_LAUNCHER, else `auto`: the first that starts of native, perl, node). */
  readonly launcher?: LauncherChoice;
  /**
   * A file that must be on disk before any process starts: the run's journal, whose line announcing
   * an attempt is written before the attempt is started here. The launcher fsyncs it once per batch
   * of starts (Perl off Node's thread, without another wake-up of Node).
   */
  readonly durableFile?: string;
  /**
   * The durable file's record of an attempt's start, which the launcher completes with the process
   * and appends as soon as the process exists (LaunchRequest.startedRecord).
   */
  readonly startedRecord?: (action: StartAttemptAction) => string;
  /** Reads a process's start time, for launchers that do not read it themselves (spawn). */
  readonly readProcessStart?: (pid: number) => string | undefined;
}

interface Running {
  readonly action: StartAttemptAction;
  /** Where captured stdout goes, when captured. */
  readonly capturePath?: string;
  handle?: LaunchHandle;
  pid?: number;
  timedOut: boolean;
  timer?: NodeJS.Timeout;
  killTimer?: NodeJS.Timeout;
  readonly done: Promise<void>;
  resolve(): void;
}

/** Helpers that failed to start or died in this process: later executors skip them. */
const unavailable = new Set<'native' | 'perl'>();

export class ProcessExecutor implements StepExecutor {
  private readonly running = new Map<string, Running>();
  /** Start times the launcher read for running processes, by pid. */
  private readonly processStarts = new Map<number, string>();
  private readonly started = new Set<string>();
  private readonly grace: number;
  private readonly baseEnv: Readonly<Record<string, string>>;
  private readonly choice: LauncherChoice;
  private current?: Launcher;

  constructor(
    private readonly options: ProcessExecutorOptions,
    private readonly report: ObservationSink,
  ) {
    this.grace = options.killGraceMs ?? 5000;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(options.env)) if (v !== undefined) env[k] = v;
    this.baseEnv = env;
    const fromEnv = env.CONVEYOR_LAUNCHER;
    this.choice =
      options.launcher ??
      (fromEnv === 'native' || fromEnv === 'perl' || fromEnv === 'node' ? fromEnv : 'auto');
    mkdirSync(options.logDir, { recursive: true });
  }

  /** The start time of a running step process (process-identity.ts's token), when the launcher read it. */
  processStartOf(pid: number): string | undefined {
    return this.processStarts.get(pid);
  }

  /** Which launcher starts (or will start) processes. */
  get launcherKind(): Launcher['kind'] {
    return this.launcher().kind;
  }

  start(action: StartAttemptAction): void {
    if (this.started.has(action.attemptId)) return;
    this.started.add(action.attemptId);
    const base = join(this.options.logDir, attemptFileBase(action.attemptId));
    let argv: string[];
    let launcher: Launcher;
    try {
      argv = commandLine(action, `${base}.script`);
      // The kernel honours the shebang (including `#!/usr/bin/env bash`) when the file is executed.
      if (action.script !== undefined) writeFileSync(`${base}.script`, action.script, { mode: 0o700 });
      launcher = this.launcher();
    } catch (error) {
      this.finished(action, undefined, {
        exitCode: null,
        signal: null,
        error: `cannot start: ${(error as Error).message}`,
      });
      return;
    }
    let resolve = (): void => {};
    const done = new Promise<void>((r) => (resolve = r));
    const capturePath = action.captureOutput ? `${base}.out` : undefined;
    const entry: Running = { action, capturePath, timedOut: false, done, resolve };
    this.running.set(action.attemptId, entry);
    entry.handle = launcher.start(
      {
        argv,
        cwd: this.options.cwd,
        env: { CONVEYOR_STEP: action.step, CONVEYOR_ATTEMPT: String(action.attempt), ...action.env },
        stdoutPath: capturePath ?? `${base}.log`,
        stdoutAppend: capturePath === undefined,
        stderrPath: capturePath === undefined ? undefined : `${base}.log`,
        ...(this.options.startedRecord ? { startedRecord: this.options.startedRecord(action) } : {}),
      },
      {
        onStart: (pid, processStart) => {
          entry.pid = pid;
          if (processStart !== undefined) this.processStarts.set(pid, processStart);
          this.report({
            kind: 'attemptStarted',
            step: action.step,
            attempt: action.attempt,
            at: Date.now(),
            handle: `pid ${pid}`,
          });
        },
        onExit: (result) => this.finished(action, entry, result),
      },
    );
    if (action.timeoutMs !== undefined && this.running.has(action.attemptId)) {
      entry.timer = setTimeout(() => {
        entry.timedOut = true;
        this.stop(entry);
      }, action.timeoutMs);
    }
  }

  cancel(action: CancelAttemptAction): void {
    const entry = this.running.get(action.attemptId);
    if (entry) this.stop(entry);
  }

  /** Kills every running attempt's process group at once (SIGKILL), without a grace period. */
  killAll(): void {
    for (const entry of this.running.values()) entry.handle?.kill('SIGKILL');
  }

  /** Stops everything still running (at once when already asked to stop once) and waits for it. */
  async close(): Promise<void> {
    const all = [...this.running.values()];
    for (const entry of all) {
      if (entry.killTimer) entry.handle?.kill('SIGKILL');
      else this.stop(entry);
    }
    await Promise.all(all.map((e) => e.done));
    const launcher = this.current;
    this.current = undefined;
    await launcher?.close();
  }

  private launcher(): Launcher {
    if (this.current?.usable) return this.current;
    this.current =
      this.helper('native', () => {
        const program = nativeLauncherProgram(this.baseEnv);
        if (program.path === undefined && this.choice === 'native')
          throw new Error(
            `CONVEYOR_LAUNCHER=native, but the native launcher is not available: ${program.why}`,
          );
        return program.path === undefined ? undefined : [program.path];
      }) ??
      this.helper('perl', () => ['perl', '-e', PERL_LAUNCHER_SCRIPT]) ??
      new NodeLauncher(this.baseEnv, this.options.durableFile, this.options.readProcessStart);
    return this.current;
  }

  /** The helper `kind`, when it is chosen (or `auto`), available and starts. */
  private helper(
    kind: 'native' | 'perl',
    argv: () => [string, ...string[]] | undefined,
  ): Launcher | undefined {
    const forced = this.choice === kind;
    if (!forced && (this.choice !== 'auto' || unavailable.has(kind))) return undefined;
    const command = argv();
    const launcher =
      command &&
      HelperLauncher.start(
        kind,
        command,
        this.baseEnv,
        () => unavailable.add(kind),
        this.options.durableFile,
      );
    if (launcher) return launcher;
    unavailable.add(kind);
    if (forced) throw new Error(`CONVEYOR_LAUNCHER=${kind}, but the ${kind} launcher cannot be started`);
    return undefined;
  }

  /** SIGTERM to the whole process group, SIGKILL after the grace period. */
  private stop(entry: Running): void {
    if (entry.killTimer) return;
    entry.handle?.kill('SIGTERM');
    entry.killTimer = setTimeout(() => entry.handle?.kill('SIGKILL'), this.grace);
  }

  private finished(action: StartAttemptAction, entry: Running | undefined, result: LaunchResult): void {
    if (entry) {
      clearTimeout(entry.timer);
      clearTimeout(entry.killTimer);
      this.running.delete(action.attemptId);
      if (entry.pid !== undefined) this.processStarts.delete(entry.pid);
    }
    const timedOut = entry?.timedOut === true;
    const capture =
      entry?.capturePath !== undefined && result.error === undefined
        ? readCapture(entry.capturePath, this.options.maxCaptureBytes ?? 1024 * 1024)
        : undefined;
    const error = result.error ?? (result.signal && !timedOut ? `killed by ${result.signal}` : undefined);
    this.report({
      kind: 'attemptFinished',
      step: action.step,
      attempt: action.attempt,
      exitCode: result.error !== undefined ? null : result.exitCode,
      ...(timedOut ? { timedOut: true } : {}),
      ...(action.captureOutput ? { output: capture?.text ?? '' } : {}),
      ...(capture?.truncated ? { outputTruncated: true } : {}),
      ...(error ? { error } : {}),
    });
    entry?.resolve();
  }
}
