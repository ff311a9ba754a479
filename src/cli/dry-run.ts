// `run --dry-run`: the plan a run would follow if every step succeeded: resolved inputs, budgets,
// and the waves of steps the engine would start together, with each rendered command. It asks the
// real engine (with instant successes) so that the waves honour every limit and budget.
import { decide } from '../engine/index.ts';
import type { Observation, Plan, RunState, StartAttemptAction } from '../engine/types.ts';
import { formatCpu, formatMemory } from '../spec/quantity.ts';
import { explainWorkflow } from './explain.ts';
import type { CliIO } from './io.ts';

/** A safety net: a plan never needs more decisions than a few per step. */
const MAX_DECISIONS_PER_STEP = 20;

export interface DryRunWave {
  readonly steps: { readonly name: string; readonly purpose: string; readonly command: string }[];
}

export function simulateWaves(plan: Plan, initial: RunState): { waves: DryRunWave[]; final: RunState } {
  const waves: DryRunWave[] = [];
  let state = initial;
  let pending: Observation[] = [];
  let now = initial.createdAt;
  const budget = (plan.nodes.length + 1) * MAX_DECISIONS_PER_STEP;
  for (let i = 0; i < budget && state.stage !== 'done'; i++) {
    const { state: next, actions } = decide(plan, state, pending, now);
    state = next;
    pending = [];
    const starts = actions.filter((a): a is StartAttemptAction => a.kind === 'startAttempt');
    if (starts.length > 0) {
      waves.push({
        steps: starts.map((s) => ({
          name: s.step,
          purpose: s.purpose,
          command: (s.command ?? s.script ?? '').trim(),
        })),
      });
    }
    for (const s of starts) {
      pending.push({ kind: 'attemptFinished', step: s.step, attempt: s.attempt, exitCode: 0, output: '' });
    }
    for (const a of actions) {
      if (a.kind === 'requestApproval') {
        pending.push({
          kind: 'approvalDecided',
          step: a.step,
          user: 'dry-run',
          decision: 'approved',
          override: true,
          at: now,
        });
      }
    }
    const wake = actions.find((a) => a.kind === 'wakeAt');
    if (pending.length === 0 && wake && wake.kind === 'wakeAt') now = Math.max(now, wake.at);
    else if (pending.length === 0 && !wake) break;
    now += 1;
  }
  return { waves, final: state };
}

export function printDryRun(io: CliIO, plan: Plan, state: RunState, output: 'text' | 'json'): void {
  const { waves, final } = simulateWaves(plan, state);
  const explained = explainWorkflow(plan.workflow, state.context as Record<string, unknown>);
  const runtime = explained.filter((e) => e.when === 'runtime').map((e) => e.name);
  const skipped = plan.nodes
    .filter((n) => n.role === 'main' && final.steps[n.index]?.phase === 'Skipped')
    .map((n) => ({ name: n.name, reason: final.steps[n.index]?.reason ?? '' }));
  if (output === 'json') {
    io.stdout.write(
      `${JSON.stringify({ run_id: state.runId, workflow: plan.workflow.name, inputs: publicInputs(state), limits: state.limits, waves, skipped, decided_at_run_time: runtime }, null, 2)}\n`,
    );
    return;
  }
  const lines = [`Dry run of ${plan.workflow.name} (${state.runId}); nothing is executed.`, '', 'Inputs:'];
  for (const [k, v] of Object.entries(publicInputs(state))) lines.push(`  ${k} = ${JSON.stringify(v)}`);
  const l = state.limits;
  const limits = [
    l.maxParallel !== undefined && `max ${l.maxParallel} at once`,
    l.cpuMillis !== undefined && `${formatCpu(l.cpuMillis)} CPU`,
    l.memoryBytes !== undefined && `${formatMemory(l.memoryBytes)} memory`,
  ].filter(Boolean);
  if (limits.length) lines.push('', `Budgets: ${limits.join(', ')}`);
  lines.push('', 'Plan (steps started together form a wave):');
  waves.forEach((wave, i) => {
    lines.push(`  wave ${i + 1}:`);
    for (const s of wave.steps) {
      const tag = s.purpose === 'main' ? '' : ` [${s.purpose.replace(/_/g, ' ')}]`;
      const cmd = s.command.split('\n');
      lines.push(`    ${s.name}${tag}: ${cmd[0] ?? ''}${cmd.length > 1 ? ` … (${cmd.length} lines)` : ''}`);
    }
  });
  if (skipped.length) {
    lines.push('', 'Skipped:');
    for (const s of skipped) lines.push(`  ${s.name} (${s.reason})`);
  }
  if (runtime.length) lines.push('', `Decided at run time (conditions on outputs): ${runtime.join(', ')}`);
  io.stdout.write(`${lines.join('\n')}\n`);
}

function publicInputs(state: RunState): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(state.context))
    if (!['outputs', 'workflow', 'run'].includes(k)) out[k] = v;
  return out;
}
