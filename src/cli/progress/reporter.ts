// Progress while a run goes: a live box on terminals, one line per event otherwise (pipes, CI,
// NO_COLOR), and always a final summary. With --output json everything here goes to stderr.
import type { Action, Plan, RunState } from '../../engine/types.ts';
import { summarizeProgress } from '../../engine/index.ts';
import { formatDuration } from '../../spec/duration.ts';
import type { FailureTail } from '../failure-output.ts';
import type { Output } from '../io.ts';
import { estimateRemaining } from './eta.ts';
import type { StepHistory } from './eta.ts';
import { renderBox } from './live-box.ts';
import { PHASE_SYMBOL } from './symbols.ts';
import { paintAs } from '../colour.ts';

export interface ReporterOptions {
  readonly plan: Plan;
  readonly out: Output;
  readonly live: boolean;
  readonly history: StepHistory;
  readonly now: () => number;
  readonly width?: number;
  /** Colour phases and marks (colour.ts decides). */
  readonly colour?: boolean;
}

export class ProgressReporter {
  private drawnLines = 0;
  private last?: RunState;
  private timer?: NodeJS.Timeout;
  private readonly colour: boolean;

  constructor(private readonly options: ReporterOptions) {
    this.colour = options.colour === true;
    if (options.live) {
      this.timer = setInterval(() => this.redraw(), 250);
      this.timer.unref();
    }
  }

  onDecision(state: RunState, actions: readonly Action[]): void {
    this.last = state;
    if (this.options.live) {
      this.redraw();
      return;
    }
    // One write per decision, not per event: a run of many short steps makes thousands of lines.
    let text = '';
    let stamp: string | undefined;
    for (const action of actions) {
      if (action.kind !== 'event') continue;
      stamp ??= new Date(this.options.now()).toISOString().slice(11, 19);
      const mark =
        action.severity === 'error'
          ? paintAs(this.colour, 'Failed', '✗')
          : action.severity === 'warning'
            ? paintAs(this.colour, 'AwaitingApproval', '!')
            : '·';
      text += `[${stamp}] ${mark} ${action.message}\n`;
    }
    if (text) this.options.out.write(text);
  }

  /** Prints a line that stays above the live box (a prompt, a warning). */
  note(text: string): void {
    this.clear();
    this.options.out.write(`${text}\n`);
    this.redraw();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.options.live) this.redraw();
    this.drawnLines = 0;
  }

  /** The final summary; `tails` holds the last output lines of failed steps (failure-output.ts). */
  summary(state: RunState, tails: ReadonlyMap<string, FailureTail> = new Map()): string {
    const { plan } = this.options;
    const p = summarizeProgress(plan, state);
    const counts = new Map<string, number>();
    for (const node of plan.nodes) {
      if (node.role !== 'main' || node.isGroup) continue;
      const phase = state.steps[node.index]?.phase ?? 'Pending';
      counts.set(phase, (counts.get(phase) ?? 0) + 1);
    }
    const took =
      state.startedAt !== undefined && state.finishedAt !== undefined
        ? ` in ${formatDuration(state.finishedAt - state.startedAt)}`
        : '';
    const breakdown = [...counts].map(([phase, n]) => `${n} ${phase.toLowerCase()}`).join(', ');
    const lines = [
      `${state.workflow} ${state.runId}: ${paintAs(this.colour, state.phase, state.phase)}${state.degraded ? `, ${paintAs(this.colour, 'Degraded', 'Degraded')}` : ''}${took} (${p.done}/${p.total} steps: ${breakdown})`,
    ];
    for (const node of plan.nodes) {
      const s = state.steps[node.index];
      if (!s || node.isGroup) continue;
      if (s.phase === 'Failed' || (node.role !== 'main' && s.phase === 'Succeeded')) {
        const why =
          s.phase === 'Succeeded'
            ? ''
            : (s.message ?? (s.exitCode != null ? `exit code ${s.exitCode}` : (s.reason ?? '')));
        lines.push(
          `  ${paintAs(this.colour, s.phase, PHASE_SYMBOL[s.phase])} ${node.name}${node.role !== 'main' ? ` (${node.role.replace(/_/g, ' ')})` : ''}${why ? `: ${why}` : ''}`,
        );
        const tail = tails.get(node.name);
        if (tail) {
          for (const line of tail.lines) lines.push(`      ${line}`);
          const shown =
            tail.lines.length === 0 ? 'It printed nothing' : `Its last ${tail.lines.length} lines are above`;
          lines.push(`    ${shown}; all of its output: ${tail.logsCommand}`);
        }
      } else if (s.phase === 'FellBack') {
        const breaker = node.step.circuitBreaker;
        lines.push(
          `  ${PHASE_SYMBOL.FellBack} ${node.name}: did not run, replaced by its fallback${breaker ? ` (circuit breaker '${breaker}' is open)` : ''}`,
        );
      } else if (s.phase === 'Skipped' && s.reason === 'DependencyFailed') {
        lines.push(
          `  ${PHASE_SYMBOL.Skipped} ${node.name}: skipped, ${s.message ?? 'a step it depends on failed'}`,
        );
      }
    }
    if (state.message && state.phase !== 'Succeeded' && !lines.some((l) => l.endsWith(state.message ?? ''))) {
      lines.push(`  ${state.message}`);
    }
    return `${lines.join('\n')}\n`;
  }

  private redraw(): void {
    if (!this.options.live || !this.last) return;
    const now = this.options.now();
    const eta = estimateRemaining(this.options.plan, this.last, this.options.history, now);
    const lines = renderBox(this.options.plan, this.last, now, eta, this.options.width ?? 100);
    this.clear();
    this.options.out.write(`${lines.join('\n')}\n`);
    this.drawnLines = lines.length;
  }

  private clear(): void {
    if (this.drawnLines > 0) this.options.out.write(`\x1b[${this.drawnLines}A\x1b[0J`);
    this.drawnLines = 0;
  }
}
