// The one place that turns a run's situation into status conditions, following kstatus (Ready,
// Reconciling, Stalled) so that kubectl wait, Flux and Argo CD read runs correctly, plus Succeeded,
// Degraded and AwaitingApproval for people.
import { stampConditions } from './conditions.ts';
import type { Condition, ConditionDraft } from './conditions.ts';

export interface RunSituation {
  readonly phase: 'Pending' | 'Running' | 'AwaitingApproval' | 'Succeeded' | 'Failed' | 'Cancelled';
  readonly reason?: string;
  readonly message?: string;
  readonly degraded: boolean;
  readonly awaiting: readonly string[];
  /** A problem that stops the controller from running the run at all (invalid spec, unreadable state). */
  readonly blocked?: { readonly reason: string; readonly message: string };
  /** Something the run waits on that is not its fault (quota, API errors): still progressing. */
  readonly waitingOn?: { readonly reason: string; readonly message: string };
  /** The command that approves a step, without the step: a local run's differs from a cluster's. */
  readonly approveWith?: string;
}

export function runConditions(
  s: RunSituation,
  generation: number | undefined,
  previous: readonly Condition[],
  now: Date,
): Condition[] {
  const drafts = [...kstatusDrafts(s), ...personDrafts(s)];
  return stampConditions(drafts, generation, previous, now);
}

/** Ready, Reconciling and Stalled (and Succeeded once the run ended), as kstatus reads them. */
function kstatusDrafts(s: RunSituation): ConditionDraft[] {
  const drafts: ConditionDraft[] = [];
  const set = (type: string, status: ConditionDraft['status'], reason: string, message: string): void => {
    drafts.push({ type, status, reason, message });
  };
  if (s.blocked) {
    set('Ready', 'False', s.blocked.reason, s.blocked.message);
    set('Stalled', 'True', s.blocked.reason, s.blocked.message);
    set('Reconciling', 'False', s.blocked.reason, s.blocked.message);
  } else {
    switch (s.phase) {
      case 'Succeeded':
        set('Ready', 'True', 'Succeeded', s.message ?? 'The run succeeded.');
        set('Succeeded', 'True', 'Succeeded', s.message ?? 'The run succeeded.');
        set('Reconciling', 'False', 'Succeeded', 'The run is finished.');
        set('Stalled', 'False', 'Succeeded', 'The run is finished.');
        break;
      case 'Failed':
      case 'Cancelled': {
        const reason = s.reason ?? s.phase;
        const message = s.message ?? `The run ${s.phase === 'Failed' ? 'failed' : 'was cancelled'}.`;
        set('Ready', 'False', reason, message);
        set('Succeeded', 'False', reason, message);
        set('Stalled', 'True', reason, message);
        set('Reconciling', 'False', reason, message);
        break;
      }
      case 'AwaitingApproval': {
        const message = `Waiting for approval of ${s.awaiting.join(', ')}.`;
        set('Ready', 'False', 'AwaitingApproval', message);
        set('Reconciling', 'True', 'AwaitingApproval', message);
        set('Stalled', 'False', 'AwaitingApproval', message);
        break;
      }
      default: {
        const reason = s.waitingOn?.reason ?? 'Progressing';
        const message =
          s.waitingOn?.message ?? (s.phase === 'Pending' ? 'The run is starting.' : 'Steps are running.');
        set('Ready', 'False', reason, message);
        set('Reconciling', 'True', reason, message);
        set('Stalled', 'False', reason, message);
      }
    }
  }
  return drafts;
}

/** AwaitingApproval and Degraded: for people rather than tools. */
function personDrafts(s: RunSituation): ConditionDraft[] {
  const drafts: ConditionDraft[] = [];
  const set = (type: string, status: ConditionDraft['status'], reason: string, message: string): void => {
    drafts.push({ type, status, reason, message });
  };
  set(
    'AwaitingApproval',
    s.awaiting.length > 0 && !s.blocked ? 'True' : 'False',
    s.awaiting.length > 0 ? 'ApprovalRequested' : 'NoApprovalPending',
    s.awaiting.length > 0
      ? `Approve with: ${s.approveWith ?? 'kubectl conveyor approve RUN'} ${s.awaiting[0]}`
      : 'No step waits for approval.',
  );
  set(
    'Degraded',
    s.degraded ? 'True' : 'False',
    s.degraded ? 'FellBack' : 'AllStepsNominal',
    s.degraded ? 'A step was replaced by its fallback.' : 'No step fell back.',
  );
  return drafts;
}
