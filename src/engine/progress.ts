// Progress over the main leaves, for the CLI's box and WorkflowRun.status.progress.
import type { Plan, Progress, RunState } from './types.ts';

export function summarizeProgress(plan: Plan, state: RunState): Progress {
  let done = 0;
  let running = 0;
  let failed = 0;
  let awaitingApproval = 0;
  for (let i = 0; i < plan.mainNodeCount; i++) {
    if (plan.nodes[i]?.isGroup) continue;
    const phase = state.steps[i]?.phase;
    if (phase === 'Succeeded' || phase === 'Skipped' || phase === 'FellBack' || phase === 'Cancelled') done++;
    else if (phase === 'Failed') {
      done++;
      failed++;
    } else if (phase === 'Running' || phase === 'Retrying') running++;
    else if (phase === 'AwaitingApproval') awaitingApproval++;
  }
  const total = plan.mainLeafCount;
  const percent = total === 0 ? 100 : Math.floor((done * 100) / total);
  return { done, total, percent, running, failed, awaitingApproval };
}
