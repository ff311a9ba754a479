// Where a local attempt's output lives: `<attempt>.log` (stdout and stderr, or stderr alone when
// stdout is captured) and `<attempt>.out` (captured stdout), named after the attempt id.
import { join } from 'node:path';

/** The attempt id as a file name: anything but letters, digits, `_`, `.` and `-` becomes `_`. */
export function attemptFileBase(attemptId: string): string {
  return attemptId.replace(/[^A-Za-z0-9_.-]/g, '_');
}

export function attemptLogFiles(logDir: string, attemptId: string): { log: string; out: string } {
  const base = join(logDir, attemptFileBase(attemptId));
  return { log: `${base}.log`, out: `${base}.out` };
}
