// Resuming a run: keep what succeeded (and its outputs), reset everything else to Pending for a new
// round, keep the attempt history so that attempt ids (and Job names) never repeat. After failure
// handling that may have undone the succeeded steps, a resume can start again from the first step.
import { approvalDigest } from './approval-digest.ts';
import { effectiveLimits, runOptions } from './state.ts';
import type { ApprovalRecord, Plan, RunOptions, RunState, StepState } from './types.ts';

/**
 * The failure handling that ran (or started) in the run's latest round: the rollback steps and the
 * workflow's on_failure hooks. Either may have undone steps that had succeeded, which a resume
 * that keeps them would then report as done.
 */
export function failureHandlingThatRan(plan: Plan, state: RunState): string[] {
  const byName = new Map(state.steps.map((st) => [st.name, st]));
  return plan.nodes
    .filter((n) => n.role === 'rollback' || n.role === 'workflow_on_failure')
    .filter((n) => {
      const st = byName.get(n.name);
      return st !== undefined && st.phase !== 'Pending' && st.phase !== 'Skipped' && st.history.length > 0;
    })
    .map((n) => n.name);
}

export interface ResumeChoice {
  /** Run every step again, as if new (attempt numbers still go on from the earlier rounds). */
  readonly fromFirstStep?: boolean;
}

export function prepareResume(
  plan: Plan,
  previous: RunState,
  _now: number,
  options?: RunOptions,
  choice: ResumeChoice = {},
): RunState {
  // Steps are matched by name, not position: the resumed run may have added, removed or reordered
  // steps. A step new to the plan starts fresh; one the plan dropped is left behind.
  const before = new Map(previous.steps.map((st) => [st.name, st]));
  const earlier = plan.nodes.map((node) => before.get(node.name));
  const keep = new Uint8Array(plan.nodes.length);
  // Children come after their group in plan order, so walking backwards sees them first.
  for (let i = plan.mainNodeCount - 1; i >= 0; i--) {
    const node = plan.nodes[i];
    const st = earlier[i];
    if (!node || !st) continue;
    const ok = node.isGroup
      ? st.phase === 'Succeeded' && node.children.every((c) => keep[c] === 1)
      : (st.phase === 'Succeeded' && st.undone === undefined) || st.phase === 'FellBack';
    keep[i] = ok && !choice.fromFirstStep ? 1 : 0;
  }
  const steps = plan.nodes.map((node, i): StepState => {
    const st = earlier[i];
    if (st && keep[i] === 1) return st;
    return {
      name: node.name,
      phase: 'Pending',
      tries: 0,
      extraTries: 0,
      // Attempt numbers go on from the previous run's, so attempt ids never repeat.
      lastAttempt: st?.lastAttempt ?? 0,
      history: st?.history ?? [],
    };
  });
  const outputs: Record<string, string> = {};
  for (let i = 0; i < plan.mainNodeCount; i++) {
    const name = plan.nodes[i]?.step.captureOutput;
    const value = name === undefined ? undefined : previous.outputs[name];
    if (keep[i] === 1 && name !== undefined && value !== undefined) outputs[name] = value;
  }
  const approvals: Record<string, ApprovalRecord> = {};
  for (const [step, record] of Object.entries(previous.approvals)) {
    const i = plan.byName.get(step);
    const node = i === undefined ? undefined : plan.nodes[i];
    if (!node?.step.manualApproval) continue;
    // An approval holds only for the definition it was given for: a step whose command, approvers
    // or inputs changed waits for fresh decisions. A rejection is what the person resuming overrides.
    const digest = approvalDigest(node.step, plan.workflow.runner, previous.context);
    const decisions = Object.fromEntries(
      Object.entries(record.decisions)
        .filter(([, d]) => d.decision === 'approved' && d.digest === digest && !d.withdrawnAfterUse)
        .map(([user, d]) => [user, { ...d, inheritedFrom: d.inheritedFrom ?? previous.runId }]),
    );
    approvals[step] = { required: node.step.approval?.required ?? 1, digest, decisions };
  }
  const merged: RunOptions = { ...previous.options, ...(options ?? {}) };
  const degraded = steps.some((st, i) => i < plan.mainNodeCount && keep[i] === 1 && st.phase === 'FellBack');
  return {
    schemaVersion: previous.schemaVersion,
    runId: previous.runId,
    workflow: previous.workflow,
    phase: 'Pending',
    stage: 'prerequisites',
    creator: previous.creator,
    createdAt: previous.createdAt,
    options: runOptions(merged),
    limits: options?.maxParallel !== undefined ? effectiveLimits(plan, merged) : previous.limits,
    context: previous.context,
    steps,
    outputs,
    raised: [],
    degraded,
    activities: [],
    breakers: previous.breakers,
    breakerTrials: {},
    approvals,
    failedHooks: [],
    seq: previous.seq,
  };
}
