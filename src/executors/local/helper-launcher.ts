// The Node side of a launcher helper: a small long-lived process that starts step processes for us
// instead of child_process.spawn, spoken to over its stdin and stdout in the line protocol described
// in perl-launcher-script.ts. Two helpers speak it: the native one (native-launcher.c, posix_spawn,
// compiled on first use) and the Perl one (perl-launcher-script.ts, needs no compiler).
//
// Why a helper at all: libuv's spawn forks the whole Node process (hundreds of MB of mappings) and
// then blocks the main thread until the child has exec'd, about 2 ms per child. For runs of many
// short steps that is most of the wall time (2,000 `true` steps: ~4 s of spawning alone, while
// make -j16 finishes the same DAG in well under 2 s). A helper starts a process in tens of
// microseconds, and does so off Node's main thread.
//
// Kills do not go through the helper: Node signals the process group itself (the helper puts the
// child in its group before reporting the pid).
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { constants } from 'node:os';
import { GroupHandle, nulByteIn } from './launcher.ts';
import type { LaunchEvents, LaunchHandle, LaunchRequest, LaunchResult, Launcher } from './launcher.ts';

interface Pending {
  readonly handle: GroupHandle;
  readonly events: LaunchEvents;
  pid?: number;
  error?: string;
}

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]),
);

export type HelperKind = 'native' | 'perl';

export class HelperLauncher implements Launcher {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private partial = '';
  private stderrTail = '';
  private closing = false;
  private gone = false;
  private referenced = true;
  /** Start requests not yet written to the helper: one write per turn of the event loop's microtasks. */
  private outgoing = '';
  private readonly closed: Promise<void>;

  /**
   * Starts the helper `argv`; `undefined` when it cannot be started (not installed). spawn() only
   * returns a pid once the exec succeeded, so this check costs nothing extra.
   */
  static start(
    kind: HelperKind,
    argv: readonly [string, ...string[]],
    baseEnv: Readonly<Record<string, string>>,
    onLost?: () => void,
    durableFile?: string,
  ): HelperLauncher | undefined {
    const child = spawn(argv[0], argv.slice(1), {
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own session: a terminal's Ctrl-C must reach only Node, which then stops the steps
      // gracefully; the helper has to stay alive to report how they ended.
      detached: true,
      // The helper must not see the user's PERL5OPT/PERL5LIB and the like; steps get their
      // environment via `E`.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    if (child.pid === undefined) {
      child.on('error', () => {});
      return undefined;
    }
    return new HelperLauncher(kind, child, baseEnv, onLost, durableFile);
  }

  private constructor(
    readonly kind: HelperKind,
    private readonly child: ChildProcessWithoutNullStreams,
    baseEnv: Readonly<Record<string, string>>,
    private readonly onLost?: () => void,
    durableFile?: string,
  ) {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => this.onData(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-2000);
    });
    // A dead helper shows up as EPIPE here; 'close' below reports it.
    child.stdin.on('error', () => {});
    child.on('error', () => {});
    this.closed = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        this.gone = true;
        if (!this.closing || this.pending.size > 0) this.lost(code, signal);
        resolve();
      });
    });
    const env = Object.entries(baseEnv).flatMap(([k, v]) => [escape(k), escape(v)]);
    child.stdin.write(`E\t${env.join('\t')}\n`);
    if (durableFile !== undefined) child.stdin.write(`J\t${escape(durableFile)}\n`);
    this.setReferenced(false);
  }

  get usable(): boolean {
    return !this.gone && !this.closing;
  }

  start(request: LaunchRequest, events: LaunchEvents): LaunchHandle {
    const handle = new GroupHandle();
    const bad = nulByteIn(request);
    if (bad !== undefined || !this.usable) {
      const error =
        bad !== undefined
          ? `cannot start: ${JSON.stringify(bad)} contains a NUL byte`
          : 'cannot start: the process launcher has exited';
      queueMicrotask(() => events.onExit({ exitCode: null, signal: null, error }));
      return handle;
    }
    const id = this.nextId++;
    this.pending.set(id, { handle, events });
    if (this.pending.size === 1) this.setReferenced(true);
    const env = Object.entries(request.env);
    const fields = [
      'R',
      String(id),
      escape(request.cwd),
      request.stdoutAppend ? 'a' : 'w',
      escape(request.stdoutPath),
      escape(request.stderrPath ?? ''),
      escape(request.startedRecord ?? ''),
      String(env.length),
      ...env.flatMap(([k, v]) => [escape(k), escape(v)]),
      ...request.argv.map(escape),
    ];
    // The requests of one decision go in one write: the helper reads them together, so it syncs
    // the durable file once for all of them (1,000 steps of true at --parallel 8: 417 fsyncs
    // against 572 with a write per request, where the helper often read a batch's first line alone).
    if (this.outgoing === '') queueMicrotask(() => this.sendOutgoing());
    this.outgoing += `${fields.join('\t')}\n`;
    return handle;
  }

  private sendOutgoing(): void {
    if (this.outgoing === '') return;
    const text = this.outgoing;
    this.outgoing = '';
    this.child.stdin.write(text);
  }

  close(): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      this.setReferenced(true);
      this.sendOutgoing();
      this.child.stdin.end();
    }
    return this.closed;
  }

  private onData(chunk: string): void {
    const text = this.partial + chunk;
    let from = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
      this.onLine(text.slice(from, nl));
      from = nl + 1;
    }
    this.partial = text.slice(from);
  }

  private onLine(line: string): void {
    const a = line.indexOf(' ');
    const b = line.indexOf(' ', a + 1);
    const id = Number(line.slice(a + 1, b === -1 ? undefined : b));
    const entry = this.pending.get(id);
    if (!entry) return;
    switch (line[0]) {
      case 'S': {
        const [pid, processStart] = line.slice(b + 1).split(' ');
        entry.pid = Number(pid);
        entry.handle.started(entry.pid);
        entry.events.onStart(entry.pid, processStart);
        break;
      }
      case 'F':
        entry.error = unescape(line.slice(b + 1));
        break;
      case 'D': {
        const kind = line[b + 1];
        const n = Number(line.slice(b + 3));
        this.finish(id, entry, {
          exitCode: entry.error === undefined && kind === 'x' ? n : null,
          signal: kind === 's' ? (SIGNAL_NAMES.get(n) ?? null) : null,
          ...(entry.error !== undefined ? { error: entry.error } : {}),
        });
        break;
      }
      default:
        break;
    }
  }

  private finish(id: number, entry: Pending, result: LaunchResult): void {
    this.pending.delete(id);
    entry.handle.exited();
    if (this.pending.size === 0 && !this.closing) this.setReferenced(false);
    entry.events.onExit(result);
  }

  /** The helper died under running processes: nobody can reap or report them, so stop them. */
  private lost(code: number | null, signal: NodeJS.Signals | null): void {
    const how = signal ? `killed by ${signal}` : `exit code ${code ?? '?'}`;
    const tail = this.stderrTail.trim();
    const error = `the process launcher exited unexpectedly (${how})${tail ? `: ${tail}` : ''}`;
    for (const [id, entry] of [...this.pending]) {
      entry.handle.kill('SIGKILL');
      this.finish(id, entry, { exitCode: null, signal: null, error });
    }
    if (!this.closing) this.onLost?.();
  }

  /**
   * While nothing runs, the helper must not keep Node's event loop alive (an executor nobody
   * closed should not hang the process, as with plain spawn); while something runs, it must.
   */
  private setReferenced(on: boolean): void {
    if (on === this.referenced) return;
    this.referenced = on;
    for (const target of [this.child, this.child.stdin, this.child.stdout, this.child.stderr]) {
      const t = target as { ref?: () => void; unref?: () => void };
      if (on) t.ref?.();
      else t.unref?.();
    }
  }
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n' };
const UNESCAPES: Record<string, string> = { t: '\t', n: '\n' };

function escape(text: string): string {
  return /[\\\t\n]/.test(text) ? text.replace(/[\\\t\n]/g, (c) => ESCAPES[c] ?? c) : text;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/gs, (_, c: string) => UNESCAPES[c] ?? c);
}
