// The contract between the process executor and whatever actually starts processes: a
// `HelperLauncher` (a small long-lived helper process, native or Perl, that starts them for us; see
// helper-launcher.ts for why) or `NodeLauncher` (child_process.spawn, the fallback). All put each
// process in its own process group, send its stdout/stderr to files, and report its end once.
// Given a durable file (the run's journal), both fsync it before starting a process, once for all
// the requests of a batch: the caller writes the line announcing a start before the request.

export interface LaunchRequest {
  /** Program (looked up in PATH unless it contains a slash) followed by its arguments. */
  readonly argv: readonly string[];
  /** Variables set on top of the launcher's base environment. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** File that receives stdout; appended to when `stdoutAppend`, truncated otherwise. */
  readonly stdoutPath: string;
  readonly stdoutAppend: boolean;
  /**
   * File that stderr is appended to; `undefined` shares stdout's open file, so that both streams
   * interleave in the order they were written (what a terminal would show).
   */
  readonly stderrPath?: string;
  /**
   * The start of a JSON line (`{"at":…,"event":"started",…` without its closing brace) that the
   * launcher completes with `,"pid":N` (and `,"process_start":"T"` where it read it) and appends to
   * the durable file as soon as the process exists, before it reports the start. Written by the
   * launcher, not by whoever hears of the start later: a conveyor process killed in between must
   * still leave the journal naming the process it left running (see orphaned-attempts.ts).
   */
  readonly startedRecord?: string;
}

/** `record` completed with the process (see LaunchRequest.startedRecord). */
export function completeStartedRecord(record: string, pid: number, processStart?: string): string {
  return `${record},"pid":${pid}${processStart !== undefined ? `,"process_start":"${processStart}"` : ''}}\n`;
}

export interface LaunchResult {
  /** The exit code; `null` when killed by a signal or never started. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /**
   * Set when the process could not be set up at all (bad cwd, unwritable log file, launcher lost).
   * A program that cannot be executed is not an error here: like `sh`, it exits 127 (not found) or
   * 126 (not executable) with a message on its stderr.
   */
  readonly error?: string;
}

export interface LaunchEvents {
  /**
   * The process exists (its process group too); `pid` is also the group id. `processStart` is its
   * start time as process-identity.ts reads it, when the launcher read it already.
   */
  onStart(pid: number, processStart?: string): void;
  /** Called exactly once per request, after `onStart` when that was called. */
  onExit(result: LaunchResult): void;
}

export interface LaunchHandle {
  /** Sends `signal` to the whole process group; applied as soon as the pid is known. */
  kill(signal: NodeJS.Signals): void;
}

export interface Launcher {
  readonly kind: 'native' | 'perl' | 'node';
  /** False once the launcher can take no more requests (its helper process died). */
  readonly usable: boolean;
  start(request: LaunchRequest, events: LaunchEvents): LaunchHandle;
  /** Lets the launcher go once the running processes have ended; resolves when it is gone. */
  close(): Promise<void>;
}

/**
 * Process-group bookkeeping shared by both launchers: a kill that arrives before the pid is known is
 * kept (SIGKILL wins over a gentler signal) and sent when it is; nothing is sent after the end, when
 * the pid may already belong to someone else.
 */
export class GroupHandle implements LaunchHandle {
  private pid?: number;
  private pending?: NodeJS.Signals;
  private ended = false;

  kill(signal: NodeJS.Signals): void {
    if (this.ended) return;
    if (this.pid === undefined) {
      if (this.pending !== 'SIGKILL') this.pending = signal;
      return;
    }
    signalGroup(this.pid, signal);
  }

  /** Records the pid and delivers a kill requested before it was known. */
  started(pid: number): void {
    this.pid = pid;
    const pending = this.pending;
    this.pending = undefined;
    if (pending && !this.ended) signalGroup(pid, pending);
  }

  exited(): void {
    this.ended = true;
  }
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group is already gone.
  }
}

/** Node refuses NUL bytes in argv, env and paths; the Perl protocol cannot carry them either. */
export function nulByteIn(request: LaunchRequest): string | undefined {
  const fields = [
    ...request.argv,
    request.cwd,
    request.stdoutPath,
    request.stderrPath ?? '',
    request.startedRecord ?? '',
    ...Object.keys(request.env),
    ...Object.values(request.env),
  ];
  return fields.find((f) => f.includes('\0'));
}
