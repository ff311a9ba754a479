// The run's life: start and deadline, prerequisites, the main steps, then the finalisation hooks in
// their fixed order (rollback → on_failure → post_execution.failure, or on_success →
// post_execution.success), manual rollback afterwards, and the run phase seen from outside.
import { startActivity } from './activities.ts';
import { releaseRoots } from './lifecycle.ts';
import { abortActivities, initiateStop } from './stopping.ts';
import { isTerminal } from './work.ts';
import type { Work } from './work.ts';
import type { Activity, AttemptPurpose, RunStage, StepPhase } from './types.ts';
import { formatDuration } from '../spec/duration.ts';

export function startRun(w: Work): void {
  const d = w.d;
  d.phase = 'Running';
  d.startedAt = w.now;
  const timeout = d.options.timeoutMs ?? w.plan.workflow.timeoutMs;
  if (timeout !== undefined) {
    d.deadline = w.now + timeout;
    w.ix.timers.push({ at: d.deadline, kind: 'deadline', node: -1 });
  }
  w.changes++;
  w.event('started', 'info', `run '${d.runId}' of workflow '${d.workflow}' started`);
  if (w.plan.prerequisites.length === 0) {
    enterSteps(w);
    return;
  }
  d.stage = 'prerequisites';
  const items = w.plan.prerequisites.map((j) => w.node(j).name);
  startActivity(w, { id: 'prerequisites', purpose: 'prerequisite', items, stopOnFailure: true });
}

function enterSteps(w: Work): void {
  w.d.stage = 'steps';
  w.changes++;
  if (!w.d.stop) releaseRoots(w);
}

export function prerequisitesDone(w: Work, a: Activity): void {
  if (!a.aborted && a.failed.length === 0) {
    enterSteps(w);
    return;
  }
  if (!w.d.stop) {
    const name = a.failed[0] as string;
    const i = w.plan.byName.get(name) as number;
    w.d.reason = 'PrerequisiteFailed';
    w.d.message = `prerequisite '${name}' failed: ${w.step(i).message ?? 'unknown reason'}`;
    initiateStop(w, 'PrerequisiteFailed');
  }
  enterSteps(w);
}

export function runTimedOut(w: Work): void {
  const timeout = (w.d.deadline ?? w.now) - (w.d.startedAt ?? w.now);
  w.raise('deployment_timeout');
  w.d.reason = 'DeadlineExceeded';
  w.d.message = `the run did not finish within its timeout of ${formatDuration(timeout)}`;
  initiateStop(w, 'RunTimedOut');
}

/** The main steps are all over (and their hooks): decide the outcome and go to the finalisation hooks. */
export function advanceStage(w: Work): void {
  if (w.d.stage !== 'steps' || w.ix.nonTerminal > 0 || w.d.activities.length > 0) return;
  const stop = w.d.stop?.reason;
  const outcome =
    stop === 'Cancelled' || stop === 'Stopped'
      ? 'Cancelled'
      : stop !== undefined || w.ix.failed > 0
        ? 'Failed'
        : 'Succeeded';
  w.d.outcome = outcome;
  if (outcome === 'Failed' && w.d.reason === undefined) {
    w.d.reason = 'StepFailed';
    w.d.message = 'one or more steps failed';
  }
  enterNextStage(w, undefined);
}

const FAILURE_STAGES: readonly RunStage[] = ['rollback', 'on_failure', 'post_failure'];
const SUCCESS_STAGES: readonly RunStage[] = ['on_success', 'post_success'];

const PURPOSE: Partial<Record<RunStage, AttemptPurpose>> = {
  rollback: 'rollback',
  on_failure: 'workflow_on_failure',
  post_failure: 'post_failure',
  on_success: 'on_success',
  post_success: 'post_success',
};

function hookItems(w: Work, stage: RunStage): readonly number[] {
  const p = w.plan;
  switch (stage) {
    case 'rollback':
      return p.rollback;
    case 'on_failure':
      return p.onFailure;
    case 'post_failure':
      return p.postFailure;
    case 'on_success':
      return p.onSuccess;
    case 'post_success':
      return p.postSuccess;
    default:
      return [];
  }
}

/** Automatic rollback: enabled, automatic, and one of its conditions raised (or it lists none). */
function rollbackApplies(w: Work): boolean {
  const rb = w.plan.workflow.rollback;
  if (!rb || !rb.enabled || !rb.automatic) return false;
  return rb.conditions.length === 0 || rb.conditions.some((c) => w.d.raised.includes(c));
}

function enterNextStage(w: Work, after: RunStage | undefined): void {
  const stop = w.d.stop?.reason;
  // A prerequisite failure changed nothing, and a cancelled run stops: no hooks for either.
  const sequence =
    stop === 'Cancelled' || stop === 'PrerequisiteFailed'
      ? []
      : w.d.outcome === 'Succeeded'
        ? SUCCESS_STAGES
        : FAILURE_STAGES;
  for (let k = after === undefined ? 0 : sequence.indexOf(after) + 1; k < sequence.length; k++) {
    const stage = sequence[k] as RunStage;
    const items = hookItems(w, stage);
    if (items.length === 0 || (stage === 'rollback' && !rollbackApplies(w))) continue;
    // A stop is the user's decision, not a failure: it rolls back only what a failing step asks for.
    if (stage === 'rollback' && stop === 'Stopped' && w.ix.failed === 0) continue;
    w.d.stage = stage;
    w.changes++;
    if (stage === 'rollback') {
      w.d.rollback = { trigger: 'automatic', phase: 'Running' };
      w.event('rollback_started', 'warning', 'rolling back automatically');
    }
    w.event('stage_changed', 'info', `running ${stage.replace('_', ' ')} hooks`);
    const names = items.map((j) => w.node(j).name);
    startActivity(w, {
      id: stage,
      purpose: PURPOSE[stage] as AttemptPurpose,
      items: names,
      stopOnFailure: false,
    });
    return;
  }
  finishRun(w);
}

/** A finalisation list is through; a failing hook is recorded and never changes the outcome. */
export function stageActivityDone(w: Work, a: Activity): void {
  const ok = !a.aborted && a.failed.length === 0;
  if (a.failed.length > 0) w.d.failedHooks = [...w.d.failedHooks, ...a.failed];
  if (a.purpose === 'rollback') {
    w.d.rollback = { trigger: w.d.rollback?.trigger ?? 'automatic', phase: ok ? 'Succeeded' : 'Failed' };
    w.event('rollback_finished', ok ? 'info' : 'error', `rollback ${ok ? 'succeeded' : 'failed'}`);
  }
  if (w.d.stage === 'manual_rollback') finishRun(w);
  else enterNextStage(w, w.d.stage);
}

function finishRun(w: Work): void {
  const d = w.d;
  const phase = d.outcome ?? 'Failed';
  d.stage = 'done';
  d.phase = phase;
  d.finishedAt = w.now;
  if (Object.keys(d.breakerTrials).length > 0) d.breakerTrials = {};
  w.changes++;
  settleHookNodes(w);
  w.emit({
    kind: 'finishRun',
    phase,
    ...(d.reason !== undefined && phase !== 'Succeeded' ? { reason: d.reason } : {}),
    ...(d.message !== undefined && phase !== 'Succeeded' ? { message: d.message } : {}),
  });
  const type = phase === 'Succeeded' ? 'completed' : phase === 'Failed' ? 'failed' : 'cancelled';
  const severity = phase === 'Succeeded' ? 'info' : phase === 'Failed' ? 'error' : 'warning';
  w.event(
    type,
    severity,
    `run '${d.runId}' ${phase.toLowerCase()}${d.message && phase !== 'Succeeded' ? `: ${d.message}` : ''}`,
  );
}

/** Hooks, fallbacks and actions the run never used end Skipped (NotTriggered); their groups sum up their leaves. */
function settleHookNodes(w: Work): void {
  // The failure hooks a cancelled (terminated) run skipped were not unneeded: the cancel skipped them.
  const cancelled = w.d.stop?.reason === 'Cancelled' && w.d.outcome === 'Cancelled';
  for (let i = w.plan.nodes.length - 1; i >= w.plan.mainNodeCount; i--) {
    const node = w.node(i);
    const st = w.step(i);
    if (!node.isGroup) {
      const exitHandler = node.role === 'workflow_on_failure' || node.role === 'post_failure';
      const reason = cancelled && exitHandler ? 'RunCancelled' : 'NotTriggered';
      if (st.phase === 'Pending') w.patchStep(i, { phase: 'Skipped', reason });
      continue;
    }
    const phases = node.children.map((c) => w.step(c));
    let phase: StepPhase = 'Succeeded';
    let reason: string | undefined;
    const unrun = phases[0]?.reason === 'RunCancelled' ? 'RunCancelled' : 'NotTriggered';
    if (phases.every((c) => c.phase === 'Skipped' && c.reason === unrun)) {
      phase = 'Skipped';
      reason = unrun;
    } else if (phases.some((c) => c.phase === 'Failed')) phase = 'Failed';
    else if (phases.some((c) => c.phase === 'Cancelled' || !isTerminal(c.phase))) phase = 'Cancelled';
    if (st.phase !== phase || st.reason !== reason) w.patchStep(i, { phase, reason });
  }
}

export function requestManualRollback(w: Work): void {
  const d = w.d;
  if (d.stage !== 'done') {
    w.event('rollback_started', 'warning', 'a manual rollback can start once the run has finished');
    return;
  }
  if (d.outcome === 'Succeeded') {
    w.event('rollback_started', 'warning', 'only a failed or cancelled run can be rolled back');
    return;
  }
  if (w.plan.rollback.length === 0) {
    w.event('rollback_started', 'warning', 'the workflow has no rollback steps');
    return;
  }
  d.stage = 'manual_rollback';
  d.rollback = { trigger: 'manual', phase: 'Running' };
  w.event('rollback_started', 'warning', 'rolling back on request');
  const items = w.plan.rollback.map((j) => w.node(j).name);
  startActivity(w, { id: 'manual_rollback', purpose: 'rollback', items, stopOnFailure: false });
}

export function cancelRun(
  w: Work,
  user: string | undefined,
  message: string | undefined,
  graceful = false,
): void {
  const d = w.d;
  if (d.stage === 'done') return;
  // A graceful stop lets whatever runs finish: a rollback or the finalisation hooks go on.
  if (graceful && (d.stage === 'manual_rollback' || d.outcome !== undefined)) return;
  if (d.stage === 'manual_rollback') {
    abortActivities(w, undefined, true);
    return;
  }
  if (d.outcome === undefined && !(graceful && d.stop !== undefined)) {
    d.reason = graceful ? 'Stopped' : 'Cancelled';
    d.message = message ?? `${graceful ? 'stopped' : 'cancelled'}${user ? ` by ${user}` : ''}`;
  }
  initiateStop(w, graceful ? 'Stopped' : 'Cancelled');
}

/** Running, or AwaitingApproval when nothing moves until someone decides. */
export function updateRunPhase(w: Work): void {
  const d = w.d;
  if (d.stage === 'done' || d.stage === 'manual_rollback') return;
  const ix = w.ix;
  const blocked =
    d.stage === 'steps' &&
    ix.awaiting > 0 &&
    ix.global.count === 0 &&
    ix.waiting === 0 &&
    ix.retrying === 0 &&
    d.activities.length === 0;
  const phase = blocked ? 'AwaitingApproval' : 'Running';
  if (d.phase !== phase) d.phase = phase;
}
