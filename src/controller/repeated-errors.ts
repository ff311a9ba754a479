// A reconcile error that repeats ends in a condition, never in a silent loop: once a run (or a
// Workflow) has failed to reconcile STALL_AFTER_FAILURES times in a row at the same generation, it
// gets Stalled=True with
// reason ReconcileError and the error as message (kstatus: `kubectl wait` and Flux stop waiting),
// while the work queue goes on retrying with backoff. The next successful reconcile writes the whole
// status again, which replaces the condition.
import { runConditions } from './run-conditions.ts';
import type { Condition } from './conditions.ts';
import type { RunSituation } from './run-conditions.ts';

/** A run or a Workflow: what the condition is computed from. */
export interface Reconciled {
  readonly metadata: { readonly generation?: number };
  readonly status?: unknown;
}

export const STALL_AFTER_FAILURES = 5;
export const RECONCILE_ERROR = 'ReconcileError';

/** Longest error text put in a condition (an API error body can be long). */
const MAX_MESSAGE = 1000;

export class RepeatedErrors {
  private readonly failures = new Map<string, { generation?: number; count: number }>();

  /** Counts a failure of `key`; returns how many in a row at this generation. */
  failed(key: string, generation: number | undefined): number {
    const previous = this.failures.get(key);
    const count = previous && previous.generation === generation ? previous.count + 1 : 1;
    this.failures.set(key, { generation, count });
    return count;
  }

  succeeded(key: string): void {
    this.failures.delete(key);
  }
}

/**
 * The status patch that marks the object stalled by `error` (a run's phase unchanged), or undefined
 * when its Stalled condition already says so.
 */
export function stalledByError(
  run: Reconciled,
  error: unknown,
  failures: number,
  now: Date,
): Record<string, unknown> | undefined {
  const text = error instanceof Error ? error.message : String(error);
  const message = `Reconciling failed ${failures} times in a row: ${
    text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text
  }. The controller keeps retrying with backoff.`;
  const status = (run.status ?? {}) as { conditions?: Condition[]; phase?: string };
  const stalled = status.conditions?.find((c) => c.type === 'Stalled');
  // Rewritten only when the error itself changes, not at each further failure.
  if (stalled?.status === 'True' && stalled.reason === RECONCILE_ERROR && sameError(stalled.message, message))
    return undefined;
  const phase = (status.phase as RunSituation['phase'] | undefined) ?? 'Pending';
  const kstatus = new Set(['Ready', 'Stalled', 'Reconciling']);
  const replaced = runConditions(
    { phase, degraded: false, awaiting: [], blocked: { reason: RECONCILE_ERROR, message } },
    run.metadata.generation,
    status.conditions ?? [],
    now,
  ).filter((c) => kstatus.has(c.type));
  // The other conditions (Succeeded, Degraded, AwaitingApproval) still hold as last written.
  const kept = (status.conditions ?? []).filter((c) => !kstatus.has(c.type));
  return { conditions: [...replaced, ...kept] };
}

function sameError(a: string, b: string): boolean {
  const strip = (m: string) => m.replace(/^Reconciling failed \d+ times in a row: /, '');
  return strip(a) === strip(b);
}
