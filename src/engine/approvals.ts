// Manual approval gates: a ready step with `manual_approval` waits until enough distinct, allowed
// people approve (one rejection fails it). Decisions may arrive before the gate is reached.
import { approvalDigest } from './approval-digest.ts';
import { failStep } from './failure.ts';
import { proceed } from './lifecycle.ts';
import type { Work } from './work.ts';
import type { Approval } from '../spec/model.ts';
import type { ApprovalObservation, ApprovalRecord, ApprovalWithdrawnObservation } from './types.ts';

const DEFAULT_APPROVAL: Approval = { users: [], groups: [], required: 1, allowSelfApproval: true };

function configOf(w: Work, i: number): Approval {
  return w.node(i).step.approval ?? DEFAULT_APPROVAL;
}

/** The digest of what the step's approvers approve (approval-digest.ts). */
function digestOf(w: Work, i: number): string {
  return approvalDigest(w.node(i).step, w.plan.workflow.runner, w.d.context);
}

type Verdict = 'approved' | 'rejected' | 'pending';

/** A decision counts for the definition it was given under, and only for that one. */
function judge(record: ApprovalRecord, digest: string): { verdict: Verdict; by?: string } {
  let approvals = 0;
  let override: string | undefined;
  for (const [user, d] of Object.entries(record.decisions)) {
    if (!d.counted) continue;
    if (d.digest !== undefined && d.digest !== digest) continue;
    if (d.decision === 'rejected') return { verdict: 'rejected', by: user };
    approvals++;
    if (d.override) override ??= user;
  }
  if (override !== undefined) return { verdict: 'approved', by: override };
  return { verdict: approvals >= record.required ? 'approved' : 'pending' };
}

function put(w: Work, step: string, record: ApprovalRecord): void {
  w.d.approvals = { ...w.d.approvals, [step]: record };
  w.changes++;
}

/** The step reached its gate: 'open' to go on, 'waiting' for people, 'rejected' (already failed). */
export function openGate(w: Work, i: number): 'open' | 'waiting' | 'rejected' {
  const name = w.node(i).name;
  const cfg = configOf(w, i);
  const existing = w.d.approvals[name];
  const digest = digestOf(w, i);
  const record: ApprovalRecord = { ...(existing ?? { required: cfg.required, decisions: {} }), digest };
  const { verdict, by } = judge(record, digest);
  if (verdict === 'approved') {
    put(w, name, { ...record, outcome: 'approved' });
    return 'open';
  }
  if (verdict === 'rejected') {
    put(w, name, { ...record, outcome: 'rejected' });
    failStep(w, i, 'Rejected', rejection(record, by as string));
    return 'rejected';
  }
  const expiresAt = cfg.timeoutMs !== undefined ? w.now + cfg.timeoutMs : undefined;
  put(w, name, { ...record, requestedAt: w.now, ...(expiresAt !== undefined ? { expiresAt } : {}) });
  w.patchStep(i, { phase: 'AwaitingApproval' });
  const description = w.node(i).step.description;
  w.emit({
    kind: 'requestApproval',
    step: name,
    ...(description !== undefined ? { description } : {}),
    users: cfg.users,
    groups: cfg.groups,
    required: cfg.required,
    allowSelfApproval: cfg.allowSelfApproval,
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  });
  w.event('requires_approval', 'warning', `step '${name}' requires approval`, name);
  if (expiresAt !== undefined) w.ix.timers.push({ at: expiresAt, kind: 'approval', node: i });
  return 'waiting';
}

function rejection(record: ApprovalRecord, by: string): string {
  const comment = record.decisions[by]?.comment;
  return `rejected by ${by}${comment ? `: ${comment}` : ''}`;
}

/** May this user's decision count for the step? */
function isCounted(w: Work, cfg: Approval, o: ApprovalObservation): boolean {
  if (o.override) return true;
  const listed = cfg.users.length === 0 && cfg.groups.length === 0;
  const allowed =
    listed || cfg.users.includes(o.user) || (o.groups ?? []).some((g) => cfg.groups.includes(g));
  const self = w.d.creator !== '' && o.user === w.d.creator;
  return allowed && (cfg.allowSelfApproval || !self);
}

export function applyApproval(w: Work, o: ApprovalObservation): void {
  const i = w.plan.byName.get(o.step);
  if (i === undefined || !w.isMain(i) || !w.node(i).step.manualApproval) {
    w.event(
      'approval_recorded',
      'warning',
      `ignored a decision by ${o.user} for '${o.step}': no such approval gate`,
      o.step,
    );
    return;
  }
  if (w.d.stage === 'done') return;
  const cfg = configOf(w, i);
  const counted = isCounted(w, cfg, o);
  const digest = digestOf(w, i);
  const existing = w.d.approvals[o.step] ?? { required: cfg.required, decisions: {} };
  const record: ApprovalRecord = {
    ...existing,
    digest,
    decisions: {
      ...existing.decisions,
      [o.user]: {
        decision: o.decision,
        at: o.at,
        counted,
        digest,
        ...(o.comment !== undefined ? { comment: o.comment } : {}),
        ...(o.override ? { override: true } : {}),
      },
    },
  };
  put(w, o.step, record);
  const note = counted ? '' : ' (not counted: this user may not decide on this step)';
  w.event(
    'approval_recorded',
    counted ? 'info' : 'warning',
    `${o.user} ${o.decision} '${o.step}'${note}`,
    o.step,
  );
  if (w.step(i).phase !== 'AwaitingApproval') return;
  const { verdict, by } = judge(record, digest);
  if (verdict === 'approved') {
    put(w, o.step, { ...record, outcome: 'approved' });
    proceed(w, i);
  } else if (verdict === 'rejected') {
    put(w, o.step, { ...record, outcome: 'rejected' });
    failStep(w, i, 'Rejected', rejection(record, by as string));
  }
}

/**
 * A decision was taken back. Before the gate settled it simply stops counting (and leaves the
 * record, so status says what spec says). Once it was used the step may already run: the decision
 * stays as the reason it ran, marked as withdrawn (the admission policy refuses such withdrawals;
 * only a race with the controller gets here).
 */
export function withdrawApproval(w: Work, o: ApprovalWithdrawnObservation): void {
  const record = w.d.approvals[o.step];
  const decision = record?.decisions[o.user];
  if (!record || !decision || decision.withdrawnAfterUse) return;
  if (record.outcome !== undefined) {
    put(w, o.step, {
      ...record,
      decisions: { ...record.decisions, [o.user]: { ...decision, withdrawnAfterUse: true } },
    });
    w.event(
      'approval_recorded',
      'warning',
      `${o.user} withdrew their decision on '${o.step}' after it was used (${record.outcome}); it stays on record`,
      o.step,
    );
    return;
  }
  const decisions = { ...record.decisions };
  delete decisions[o.user];
  put(w, o.step, { ...record, decisions });
  w.event('approval_recorded', 'info', `${o.user} withdrew their decision on '${o.step}'`, o.step);
}

/** Nobody decided within `approval.timeout`. */
export function expireApproval(w: Work, i: number): void {
  const name = w.node(i).name;
  const record = w.d.approvals[name];
  if (!record) return;
  put(w, name, { ...record, outcome: 'expired' });
  failStep(w, i, 'ApprovalTimedOut', 'no decision arrived before the approval timed out');
}
