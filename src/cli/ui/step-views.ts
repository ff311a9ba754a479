// A run's steps as the UI shows them, built from the engine's run state (the local state file, or
// the state the controller keeps in WorkflowRun.status): every main step, plus the hooks and undo
// steps that ran, each with all its attempts (times, exit code, outcome) for the timeline.
import type { Plan, RunState } from '../../engine/types.ts';
import type { AttemptView, StepView } from './run-view.ts';

function attemptViews(state: RunState, index: number): AttemptView[] {
  return (state.steps[index]?.history ?? []).map((h) => ({
    attempt: h.attempt,
    purpose: h.purpose,
    requestedAt: h.requestedAt,
    ...(h.startedAt !== undefined ? { startedAt: h.startedAt } : {}),
    ...(h.finishedAt !== undefined ? { finishedAt: h.finishedAt } : {}),
    ...(h.exitCode !== undefined ? { exitCode: h.exitCode } : {}),
    ...(h.outcome ? { outcome: h.outcome } : {}),
    ...(h.timedOut ? { timedOut: true } : {}),
    ...(h.message ? { message: h.message } : {}),
  }));
}

export function stepViews(plan: Plan, state: RunState): StepView[] {
  const views: StepView[] = [];
  for (const node of plan.nodes) {
    const s = state.steps[node.index];
    if (!s) continue;
    // A hook or action that never ran is only noise on the page.
    if (node.role !== 'main' && s.history.length === 0) continue;
    const parent = plan.nodes[node.parent];
    views.push({
      name: s.name,
      phase: s.phase,
      role: node.role,
      isGroup: node.isGroup,
      ...(parent ? { group: parent.name } : {}),
      attempts: s.history.length,
      attemptList: attemptViews(state, node.index),
      ...(s.exitCode !== undefined ? { exitCode: s.exitCode } : {}),
      ...(s.reason ? { reason: s.reason } : {}),
      ...(s.message ? { message: s.message } : {}),
      ...(s.startedAt !== undefined ? { startedAt: s.startedAt } : {}),
      ...(s.finishedAt !== undefined ? { finishedAt: s.finishedAt } : {}),
    });
  }
  return views;
}
