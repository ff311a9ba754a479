// The live progress box for terminals, like the seed's picture: one line per top-level step (groups
// with their done/total), the running steps beneath with attempt and elapsed time, and a footer
// with the percentage and an estimate of the time left. Redrawn in place.
import type { Plan, RunState } from '../../engine/types.ts';
import { TERMINAL_STEP_PHASES } from '../../engine/types.ts';
import { summarizeProgress } from '../../engine/index.ts';
import { formatDuration } from '../../spec/duration.ts';
import { PHASE_SYMBOL } from './symbols.ts';

const MAX_LINES = 30;

export function renderBox(
  plan: Plan,
  state: RunState,
  now: number,
  remainingMs: number | undefined,
  width: number,
): string[] {
  const lines: string[] = [];
  const stepLine = (index: number, depth: number): void => {
    const node = plan.nodes[index];
    const s = state.steps[index];
    if (!node || !s) return;
    const label = node.step.description && depth === 0 ? node.step.description : node.name;
    let detail = '';
    if (node.isGroup) {
      const leaves = leavesOf(plan, index);
      const done = leaves.filter((i) =>
        TERMINAL_STEP_PHASES.includes(state.steps[i]?.phase ?? 'Pending'),
      ).length;
      detail = ` (${done}/${leaves.length})`;
    } else if (s.phase === 'Running' && s.startedAt !== undefined) {
      detail = ` (${s.tries > 1 ? `attempt ${s.tries}, ` : ''}${formatDuration(now - s.startedAt)})`;
    } else if (s.phase === 'AwaitingApproval') detail = ' (awaiting approval)';
    else if (s.phase === 'Retrying' && s.nextAttemptAt !== undefined) {
      detail = ` (retry in ${formatDuration(Math.max(0, s.nextAttemptAt - now))})`;
    } else if (s.phase === 'Waiting' || (s.phase === 'Pending' && depth === 0)) detail = ' (waiting)';
    else if (s.phase === 'Skipped') detail = ' (skipped)';
    else if (s.phase === 'Failed')
      detail = s.exitCode != null ? ` (exit ${s.exitCode})` : s.reason ? ` (${s.reason})` : '';
    lines.push(`${'  '.repeat(depth)}${PHASE_SYMBOL[s.phase]} ${label}${detail}`);
    if (node.isGroup && !TERMINAL_STEP_PHASES.includes(s.phase)) {
      for (const child of node.children) {
        const cs = state.steps[child];
        if (cs && ['Running', 'Retrying', 'AwaitingApproval', 'Failed'].includes(cs.phase))
          stepLine(child, depth + 1);
      }
    }
  };
  for (const root of plan.roots) stepLine(root, 0);
  if (state.stage !== 'steps' && state.stage !== 'prerequisites' && state.stage !== 'done') {
    lines.push(`… ${state.stage.replace('_', ' ')}`);
  }
  const shown =
    lines.length > MAX_LINES
      ? [...lines.slice(0, MAX_LINES - 1), `… ${lines.length - MAX_LINES + 1} more`]
      : lines;
  const progress = summarizeProgress(plan, state);
  const footer = `Progress: ${progress.percent}%${remainingMs !== undefined ? ` (${formatDuration(remainingMs)} remaining)` : ''}`;
  const title = ` ${plan.workflow.description ?? plan.workflow.name} `;
  const inner = Math.min(
    width - 4,
    Math.max(title.length + 2, footer.length + 2, ...shown.map((l) => columnsOf([...l]) + 2)),
  );
  const out = [`┌─${fit(title, inner, '─')}─┐`];
  for (const l of shown) out.push(`│ ${fit(l, inner, ' ')} │`);
  out.push(`└─${fit(` ${footer} `, inner, '─')}─┘`);
  return out;
}

/** Terminal columns of a string: emoji-presentation symbols such as ⏳ take two. */
function columnsOf(chars: readonly string[]): number {
  return chars.reduce((n, c) => n + (WIDE.has(c) ? 2 : 1), 0);
}

const WIDE = new Set(['⏳']);

function fit(text: string, columns: number, pad: string): string {
  const chars = [...text];
  if (columnsOf(chars) > columns) {
    while (chars.length > 0 && columnsOf(chars) > columns - 1) chars.pop();
    return `${chars.join('')}…`;
  }
  return text + pad.repeat(columns - columnsOf(chars));
}

function leavesOf(plan: Plan, index: number): number[] {
  const node = plan.nodes[index];
  if (!node) return [];
  if (!node.isGroup) return [index];
  return node.children.flatMap((c) => leavesOf(plan, c));
}
