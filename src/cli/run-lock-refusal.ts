// The CLI's side of the run lock: take it for a command, or refuse with who holds it.
import { UsageError } from './exit-codes.ts';
import { acquireRunLock, describeHolder } from './run-lock.ts';
import type { RunLock } from './run-lock.ts';
import type { StateStore } from './state-store.ts';

export function lockRunOrRefuse(store: StateStore, runId: string, command: string, now: number): RunLock {
  const attempt = acquireRunLock(store.runDir(runId), command, now);
  if (attempt.ok) return attempt.lock;
  throw new UsageError(
    `run ${runId} is in use by ${describeHolder(attempt.holder)}; wait for it to end, or stop it with kill -INT ${attempt.holder.pid}`,
  );
}
