// Starting, watching and stopping the cluster's long-running processes (components and node agent).
// Each runs in its own process group so that stopping it also stops whatever it started.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

export interface ProcessSpec {
  name: string;
  command: string;
  args: readonly string[];
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ProcessRecord {
  name: string;
  pid: number;
  logFile: string;
}

export interface RunningProcess extends ProcessRecord {
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
}

export function startProcess(spec: ProcessSpec): RunningProcess {
  const log = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      detached: true,
      stdio: ['ignore', log, log],
    });
    const exited = new Promise<number | string>((resolve) => {
      child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
      child.once('error', (error) => resolve(error.message));
    });
    if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
    // Never keep the caller's event loop alive: its stop()/exit handlers decide the processes' end.
    child.unref();
    return { name: spec.name, pid: child.pid, logFile: spec.logFile, exited };
  } finally {
    closeSync(log);
  }
}

/**
 * True when `pid` runs and its command line mentions `marker` (the cluster folder): after a reboot
 * or a long pause a recorded pid may belong to an unrelated process, which must not be signalled.
 */
export function isOurs(pid: number, marker: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== 'Z' && cmdline.includes(marker);
  } catch {
    return false;
  }
}

/** True when `pid` runs with its working directory inside `dir` (how container processes are known). */
export function runsIn(pid: number, dir: string): boolean {
  try {
    return isAlive(pid) && readlinkSync(`/proc/${pid}/cwd`).startsWith(dir);
  } catch {
    return false;
  }
}

export function isAlive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== undefined && state !== 'Z';
  } catch {
    return false;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone, or not a group leader any more: try the process itself.
    try {
      process.kill(pid, signal);
    } catch {
      /* gone */
    }
  }
}

/** SIGTERM the process group, then SIGKILL it if it has not exited within `graceMs`. */
export async function stopProcessGroup(pid: number, graceMs = 5_000): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await delay(50);
  // The group may hold children that outlived the leader.
  signalGroup(pid, 'SIGKILL');
  while (isAlive(pid)) await delay(20);
}

/** Synchronous last resort for process 'exit' handlers, where nothing asynchronous runs. */
export function killProcessGroupNow(pid: number): void {
  signalGroup(pid, 'SIGKILL');
}

/** Resident memory of a process in bytes (0 when it is gone). */
export function residentBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The last `lines` lines of a log file, for error messages. */
export function tailFile(path: string, lines = 30): string {
  try {
    const text = readFileSync(path, 'utf8').trimEnd();
    return text ? text.split('\n').slice(-lines).join('\n') : '(no output)';
  } catch {
    return '(no log)';
  }
}
