// The notification events a run's state implies, each under a key that is stable for the run, so
// that a caller can remember which it delivered (in WorkflowRun.status) and send each once however
// often it looks: `started`, `requires_approval:<step>`, `rolled_back:<trigger>`, `completed` or
// `failed`, and `alert:<name>` for alerts the caller says fired. Pure.
import { formatDuration } from '../spec/duration.ts';
import type { NotificationEvent } from '../spec/observability.ts';
import type { Plan, RunState } from './types.ts';

export interface RunNotificationEvent {
  /** Unique in the run: `started`, `requires_approval:deploy`, `alert:slow deploy`, ... */
  readonly key: string;
  readonly event: NotificationEvent;
  /** When it happened (ms since the epoch). */
  readonly at: number;
  readonly step?: string;
  /** For requires_approval: who may approve and how many must. */
  readonly approval?: {
    readonly users: readonly string[];
    readonly groups: readonly string[];
    readonly required: number;
    readonly description?: string;
  };
  /** For alert: the alert that fired. */
  readonly alert?: { readonly name: string; readonly severity: string; readonly condition: string };
  /** A sentence for people. */
  readonly summary: string;
}

export interface AlertRecord {
  readonly name: string;
  readonly severity: string;
  readonly condition: string;
  readonly message: string;
  readonly firedAt: number;
}

export function runNotificationEvents(
  plan: Plan,
  state: RunState,
  alerts: readonly AlertRecord[] = [],
): RunNotificationEvent[] {
  const out: RunNotificationEvent[] = [];
  if (state.startedAt !== undefined) {
    out.push({ key: 'started', event: 'started', at: state.startedAt, summary: 'The run started.' });
  }
  for (const node of plan.nodes) {
    const request = state.approvals[node.name];
    if (!node.step.manualApproval || request?.requestedAt === undefined) continue;
    const a = node.step.approval;
    out.push({
      key: `requires_approval:${node.name}`,
      event: 'requires_approval',
      at: request.requestedAt,
      step: node.name,
      approval: {
        users: a?.users ?? [],
        groups: a?.groups ?? [],
        required: a?.required ?? 1,
        ...(node.step.description ? { description: node.step.description } : {}),
      },
      summary: `Step ${node.name} is waiting for approval.`,
    });
  }
  if (state.rollback && state.rollback.phase !== 'Running') {
    const ends = plan.rollback
      .map((i) => state.steps[i]?.finishedAt)
      .filter((t): t is number => t !== undefined);
    out.push({
      key: `rolled_back:${state.rollback.trigger}`,
      event: 'rolled_back',
      at: ends.length ? Math.max(...ends) : (state.finishedAt ?? state.createdAt),
      summary:
        state.rollback.phase === 'Succeeded'
          ? `The ${state.rollback.trigger} rollback succeeded.`
          : `The ${state.rollback.trigger} rollback failed.`,
    });
  }
  for (const alert of alerts) {
    out.push({
      key: `alert:${alert.name}`,
      event: 'alert',
      at: alert.firedAt,
      alert: { name: alert.name, severity: alert.severity, condition: alert.condition },
      summary: alert.message,
    });
  }
  if (state.stage === 'done' && state.finishedAt !== undefined) {
    const after = ` after ${formatDuration(state.finishedAt - (state.startedAt ?? state.createdAt))}`;
    if (state.phase === 'Succeeded') {
      out.push({
        key: 'completed',
        event: 'completed',
        at: state.finishedAt,
        summary: `The run succeeded${after}.`,
      });
    } else if (state.phase === 'Failed' || state.phase === 'Cancelled') {
      out.push({
        key: 'failed',
        event: 'failed',
        at: state.finishedAt,
        summary: `The run ${state.phase === 'Failed' ? 'failed' : 'was cancelled'}${after}${state.message ? `: ${state.message}` : '.'}`,
      });
    }
  }
  return out;
}
