// What a controller process costs, read from /proc: resident memory now and at its peak, and CPU
// time (user + system) since it started.
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/PID/stat's times: USER_HZ, 100 on every Linux architecture. */
const USER_HZ = 100;

export interface MemoryUsage {
  /** VmRSS: resident now. */
  readonly rssMiB: number;
  /** VmHWM: the highest resident size so far. */
  readonly hwmMiB: number;
}

const mib = (kb: number): number => Math.round((kb / 1024) * 10) / 10;

export function memoryOf(pid: number): MemoryUsage {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number =>
    Number(new RegExp(`${name}:\\s+(\\d+)\\s+kB`).exec(status)?.[1] ?? NaN);
  return { rssMiB: mib(field('VmRSS')), hwmMiB: mib(field('VmHWM')) };
}

/** User + system CPU seconds the process has used (its threads included, its children not). */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the line, so 12 and 13 after the name (from state, 3).
  return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
}
