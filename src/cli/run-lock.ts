// One process per run: a lock file in the run's folder names the process working on it (pid, the
// time that process started, host, command, since when). A lock whose process is gone (killed,
// crashed, rebooted) is stale and taken over; a live one refuses a second `run --run-id`, `resume`
// or `approve`, saying who holds it. The lock is created with link(2), which never replaces an
// existing file and publishes the holder's record whole.
import { hostname } from 'node:os';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive, processStartTime } from './process-identity.ts';

export interface LockHolder {
  readonly pid: number;
  /** The holder process's start time (see process-identity.ts), to tell it from a reused pid. */
  readonly processStart?: string;
  readonly host: string;
  readonly command: string;
  /** When the lock was taken (ms since the epoch). */
  readonly since: number;
}

export type LockAttempt =
  { readonly ok: true; readonly lock: RunLock } | { readonly ok: false; readonly holder: LockHolder };

export class RunLock {
  private released = false;
  private readonly onExit = (): void => this.release();

  constructor(
    private readonly path: string,
    readonly holder: LockHolder,
  ) {
    // A process that ends without releasing (an uncaught error) still frees its run.
    process.once('exit', this.onExit);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    // Only ever remove our own record, never a lock someone took over from us.
    const current = readHolder(this.path);
    if (current && current.pid === this.holder.pid && current.since === this.holder.since) {
      try {
        unlinkSync(this.path);
      } catch {
        // Already gone.
      }
    }
  }
}

export function lockFile(runDir: string): string {
  return join(runDir, 'lock');
}

/** Takes the run's lock for this process, or says who holds it. */
export function acquireRunLock(runDir: string, command: string, now: number): LockAttempt {
  mkdirSync(runDir, { recursive: true });
  const path = lockFile(runDir);
  const me: LockHolder = {
    pid: process.pid,
    ...optional('processStart', processStartTime(process.pid)),
    host: hostname(),
    command,
    since: now,
  };
  for (let tries = 0; tries < 5; tries++) {
    if (publish(path, me)) return { ok: true, lock: new RunLock(path, me) };
    const holder = readHolder(path);
    if (holder && isHolderAlive(holder)) return { ok: false, holder };
    removeStale(path, holder);
  }
  const holder = readHolder(path);
  return { ok: false, holder: holder ?? { pid: 0, host: '?', command: '?', since: now } };
}

/** Who holds the run's lock right now, if a live process does. */
export function runLockHolder(runDir: string): LockHolder | undefined {
  const holder = readHolder(lockFile(runDir));
  return holder && isHolderAlive(holder) ? holder : undefined;
}

export function describeHolder(holder: LockHolder): string {
  return `pid ${holder.pid} on ${holder.host} (conveyor ${holder.command}, since ${new Date(holder.since).toISOString()})`;
}

function isHolderAlive(holder: LockHolder): boolean {
  // Another machine's process cannot be checked from here: a shared state folder stays locked.
  if (holder.host !== hostname()) return true;
  return isProcessAlive(holder.pid, holder.processStart);
}

function publish(path: string, holder: LockHolder): boolean {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(holder)}\n`);
  try {
    linkSync(tmp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    unlinkSync(tmp);
  }
}

/**
 * Removes a stale lock, under a second short-lived lock so that two processes taking over at once
 * cannot remove each other's fresh lock: the record is read again inside and must be the same one.
 */
function removeStale(path: string, stale: LockHolder | undefined): void {
  const guard = `${path}.takeover`;
  const me: LockHolder = { pid: process.pid, host: hostname(), command: 'takeover', since: Date.now() };
  if (!publish(guard, me)) {
    const other = readHolder(guard);
    if (!other || !isHolderAlive(other)) unlinkQuietly(guard);
    return;
  }
  try {
    const now = readHolder(path);
    const same =
      now === undefined ? stale === undefined : now.pid === stale?.pid && now.since === stale.since;
    if (same) unlinkQuietly(path);
  } finally {
    unlinkQuietly(guard);
  }
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
    return typeof holder.pid === 'number' ? holder : undefined;
  } catch {
    return undefined;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
