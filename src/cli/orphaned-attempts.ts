// Step processes left running by a conveyor process that died (SIGKILL, a crash): the steps run in
// their own process groups, so they outlive it. The journal names each attempt's process; a resume
// waits for those still alive rather than start the same step again beside them.
import type { JournalLine } from './run-journal.ts';
import { isProcessAlive, isProcessGroupAlive } from './process-identity.ts';

export interface OrphanedAttempt {
  readonly step: string;
  readonly attempt: number;
  /** The attempt's process, also its process group. */
  readonly pid: number;
}

/** Attempts the journal saw start but never finish, whose processes are still alive. */
export function orphanedAttempts(journal: readonly JournalLine[]): OrphanedAttempt[] {
  const open = new Map<string, OrphanedAttempt & { processStart?: string }>();
  for (const line of journal) {
    const key = 'step' in line ? `${line.step}\u0000${line.attempt}` : '';
    if (line.event === 'started')
      open.set(key, {
        step: line.step,
        attempt: line.attempt,
        pid: line.pid,
        ...(line.process_start !== undefined ? { processStart: line.process_start } : {}),
      });
    else if (line.event === 'finished') open.delete(key);
  }
  return [...open.values()]
    .filter((a) => isOurs(a.pid, a.processStart))
    .map(({ step, attempt, pid }) => ({ step, attempt, pid }));
}

/** Whether the attempt's process group still has a member that is ours (not a reused pid). */
export function isOurs(pid: number, processStart?: string): boolean {
  // The leader alive under the same start time: ours. Leader alive with another start time: the pid
  // was reused. Leader gone: the kernel never hands out a pid that is still a live group's id, so a
  // live group with that id is still the step's children.
  if (isProcessAlive(pid)) return isProcessAlive(pid, processStart);
  return isProcessGroupAlive(pid);
}

/** Waits (polling) until none of the attempts' processes is alive. */
export async function waitForOrphans(
  orphans: readonly OrphanedAttempt[],
  sleep: (ms: number) => Promise<void>,
): Promise<void> {
  let left = [...orphans];
  while (left.length > 0) {
    await sleep(100);
    left = left.filter((o) => isProcessGroupAlive(o.pid));
  }
}
