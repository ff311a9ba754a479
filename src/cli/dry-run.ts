// `run --dry-run`: the plan a run would follow if every step succeeded: resolved inputs, budgets,
// and the waves of steps the engine would start together, with each rendered command. It asks the
// real engine (with instant successes) so that the waves honour every limit and budget.
import { decide } from '../engine/index.ts';
import type { Observation, Plan, RunState, StartAttemptAction } from '../engine/types.ts';
import { formatCpu, formatMemory } from '../spec/quantity.ts';
import { explainWorkflow, renderBody } from './explain.ts';
import type { CliIO } from './io.ts';

/** A safety net: a plan never needs more decisions than a few per step. */
const MAX_DECISIONS_PER_STEP = 20;

export interface DryRunWave {
  readonly steps: {
    readonly name: string;
    readonly purpose: string;
    readonly command: string;
    /** A manual-approval gate: the real run stops here until someone approves. */
    readonly waits_for_approval: boolean;
  }[];
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
          waits_for_approval:
            s.purpose === 'main' && plan.nodes[plan.byName.get(s.step) ?? -1]?.step.manualApproval === true,
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

/** A list of steps that would run in some case, with their rendered commands. */
interface Contingency {
  /** When it runs, e.g. `rollback (when a step fails)` or `release fails`. */
  readonly when: string;
  readonly steps: { readonly name: string; readonly command: string }[];
}

export function printDryRun(io: CliIO, plan: Plan, state: RunState, output: 'text' | 'json'): void {
  const { waves, final } = simulateWaves(plan, state);
  const context = state.context as Record<string, unknown>;
  const explained = explainWorkflow(plan.workflow, context);
  // The simulation cannot know outputs: a step whose condition reads them (and everything in it)
  // is decided at run time, never "Skipped" as the empty simulated outputs would make it.
  const runtimeRoots = explained
    .filter((e) => e.section === 'steps' && e.when === 'runtime')
    .map((e) => plan.byName.get(e.name) as number);
  const runtime = new Set<number>();
  const addSubtree = (i: number): void => {
    runtime.add(i);
    for (const c of plan.nodes[i]?.children ?? []) addSubtree(c);
  };
  for (const r of runtimeRoots) addSubtree(r);
  const decidedAtRunTime = [...runtime].sort((a, b) => a - b).map((i) => plan.nodes[i]?.name as string);
  const skipped = plan.nodes
    .filter((n) => n.role === 'main' && !runtime.has(n.index) && final.steps[n.index]?.phase === 'Skipped')
    .map((n) => ({ name: n.name, reason: final.steps[n.index]?.reason ?? '' }));
  const commandOf = new Map(
    explained.map((e) => [`${e.section}/${e.name}`, e.rendered ?? e.renderError ?? '']),
  );
  const onFailure = failureContingencies(plan, final, context, commandOf);
  if (output === 'json') {
    io.stdout.write(
      `${JSON.stringify({ run_id: state.runId, workflow: plan.workflow.name, inputs: publicInputs(state), limits: state.limits, waves, skipped, decided_at_run_time: decidedAtRunTime, on_failure: onFailure }, null, 2)}\n`,
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
      const tag =
        s.purpose === 'main'
          ? s.waits_for_approval
            ? ' [waits for approval]'
            : ''
          : ` [${s.purpose.replace(/_/g, ' ')}]`;
      const cmd = s.command.split('\n');
      lines.push(`    ${s.name}${tag}: ${cmd[0] ?? ''}${cmd.length > 1 ? ` … (${cmd.length} lines)` : ''}`);
    }
  });
  if (skipped.length) {
    lines.push('', 'Skipped:');
    for (const s of skipped) lines.push(`  ${s.name} (${s.reason})`);
  }
  if (decidedAtRunTime.length) {
    lines.push('', 'Decided at run time (their conditions read outputs of earlier steps):');
    for (const name of decidedAtRunTime) {
      const cmd = (commandOf.get(`steps/${name}`) ?? '').trim().split('\n');
      lines.push(
        `  ${name}${cmd[0] ? `: ${cmd[0]}${cmd.length > 1 ? ` … (${cmd.length} lines)` : ''}` : ''}`,
      );
    }
  }
  const [runFailure, groupFailures] = [onFailure.filter((c) => c.run), onFailure.filter((c) => !c.run)];
  if (runFailure.length) {
    lines.push('', 'If the run fails:');
    for (const c of runFailure) {
      lines.push(`  ${c.when}:`);
      for (const s of c.steps) lines.push(`    ${s.name}: ${firstLine(s.command)}`);
    }
  }
  for (const c of groupFailures) {
    lines.push('', `If ${c.when}:`);
    for (const s of c.steps) lines.push(`  ${s.name}: ${firstLine(s.command)}`);
  }
  io.stdout.write(`${lines.join('\n')}\n`);
}

function firstLine(command: string): string {
  const lines = command.trim().split('\n');
  return `${lines[0] ?? ''}${lines.length > 1 ? ` … (${lines.length} lines)` : ''}`;
}

/**
 * What the run would do on failure: the undo of each atomic group (newest first, in the order the
 * simulation completed its steps), the automatic rollback and its conditions, the failure hooks.
 */
function failureContingencies(
  plan: Plan,
  final: RunState,
  context: Record<string, unknown>,
  commandOf: ReadonlyMap<string, string>,
): (Contingency & { run: boolean })[] {
  const out: (Contingency & { run: boolean })[] = [];
  const wf = plan.workflow;
  for (const group of plan.nodes) {
    if (group.role !== 'main' || !group.step.atomic) continue;
    const undo = plan.nodes
      .filter(
        (n) => !n.isGroup && n.step.rollbackCommand !== undefined && isInside(plan, n.index, group.index),
      )
      .sort((a, b) => (final.steps[b.index]?.completedSeq ?? 0) - (final.steps[a.index]?.completedSeq ?? 0))
      .map((n) => {
        const r = renderBody(n.step.rollbackCommand as string, context);
        return { name: n.name, command: 'value' in r ? r.value : r.error };
      });
    if (undo.length)
      out.push({
        run: false,
        when: `${group.name} fails (atomic: its succeeded steps are undone, newest first)`,
        steps: undo,
      });
  }
  const section = (name: string, steps: readonly { name: string }[]) =>
    steps.map((s) => ({ name: s.name, command: commandOf.get(`${name}/${s.name}`) ?? '' }));
  const rollback = wf.rollback;
  if (rollback && rollback.enabled && rollback.automatic && rollback.steps.length > 0) {
    const when =
      rollback.conditions.length > 0
        ? `when ${rollback.conditions.join(' or ')} is raised`
        : 'on any failure';
    out.push({ run: true, when: `rollback (${when})`, steps: section('rollback', rollback.steps) });
  }
  if (wf.onFailure.length)
    out.push({ run: true, when: 'on_failure', steps: section('on_failure', wf.onFailure) });
  if (wf.postExecution.failure.length)
    out.push({
      run: true,
      when: 'post_execution.failure',
      steps: section('post_execution.failure', wf.postExecution.failure),
    });
  return out;
}

function isInside(plan: Plan, i: number, group: number): boolean {
  for (let p = plan.nodes[i]?.parent ?? -1; p !== -1; p = plan.nodes[p]?.parent ?? -1)
    if (p === group) return true;
  return false;
}

function publicInputs(state: RunState): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(state.context))
    if (!['outputs', 'workflow', 'run'].includes(k)) out[k] = v;
  return out;
}
