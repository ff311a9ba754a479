// Asking a local run in another process to stop or terminate (`conveyor stop|terminate RUN`). The
// request is written to `control.json` in the run's folder, then the process that holds the run's
// lock gets SIGUSR2 and reads it. The signal is sent only once that process has said, in the run's
// journal, that it listens (a `control` line with its pid): SIGUSR2's default action would end a
// process that does not, and a run between taking its lock and listening would die of it.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJournal } from './run-journal.ts';

/** stop: nothing new starts, running steps finish, failure hooks run. terminate: kill running steps now. */
export type ControlAction = 'stop' | 'terminate';

export interface ControlRequest {
  readonly action: ControlAction;
  readonly user: string;
  /** ms since the epoch */
  readonly at: number;
}

export const CONTROL_SIGNAL: NodeJS.Signals = 'SIGUSR2';

function controlFile(runDir: string): string {
  return join(runDir, 'control.json');
}

export function writeControlRequest(runDir: string, request: ControlRequest): void {
  const tmp = `${controlFile(runDir)}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(request)}\n`);
  renameSync(tmp, controlFile(runDir));
}

export function readControlRequest(runDir: string): ControlRequest | undefined {
  try {
    const request = JSON.parse(readFileSync(controlFile(runDir), 'utf8')) as ControlRequest;
    return request.action === 'stop' || request.action === 'terminate' ? request : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the process `pid` announced in the run's journal that it takes control requests. */
export function listensForControl(runDir: string, pid: number): boolean {
  const journal = readJournal(runDir);
  for (let i = journal.length - 1; i >= 0; i--) {
    const line = journal[i];
    if (line?.event === 'round') return false;
    if (line?.event === 'control' && line.pid === pid) return true;
  }
  return false;
}
