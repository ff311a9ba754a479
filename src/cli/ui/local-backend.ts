// The UI over a local state directory: runs are its saved states, changes are noticed by polling
// the state files' modification times (a run in another terminal writes them as it goes), and
// actions are the local CLI commands (approve, resume) on that directory.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildPlan } from '../../engine/plan.ts';
import { loadWorkflow } from '../../spec/load.ts';
import { layoutGraph } from '../graph/layout.ts';
import { renderSvg } from '../graph/svg.ts';
import { workflowGraph } from '../graph/workflow-graph.ts';
import type { CliIO } from '../io.ts';
import type { SavedRun, StateStore } from '../state-store.ts';
import type { ActionResult, UiBackend } from './backend.ts';
import { runCli } from './run-cli.ts';
import { isFinishedStep, sortRuns, type RunSummaryView, type RunView, type StepView } from './run-view.ts';

const POLL_MS = 400;

export class LocalBackend implements UiBackend {
  readonly where: string;

  constructor(
    private readonly store: StateStore,
    private readonly io: CliIO,
    /** The conveyor program (for resume, which runs on in its own process). */
    private readonly program: string,
  ) {
    this.where = `state directory ${store.root}`;
  }

  private steps(saved: SavedRun): { steps: StepView[]; total: number } {
    const loaded = loadWorkflow(saved.workflowText, saved.file);
    const count = loaded.workflow ? buildPlan(loaded.workflow).mainNodeCount : saved.state.steps.length;
    const steps = saved.state.steps.slice(0, count).map((s) => ({
      name: s.name,
      phase: s.phase,
      attempts: s.history.length,
      ...(s.exitCode !== undefined ? { exitCode: s.exitCode } : {}),
      ...(s.reason ? { reason: s.reason } : {}),
      ...(s.message ? { message: s.message } : {}),
      ...(s.startedAt !== undefined ? { startedAt: s.startedAt } : {}),
      ...(s.finishedAt !== undefined ? { finishedAt: s.finishedAt } : {}),
    }));
    return { steps, total: count };
  }

  private summary(saved: SavedRun): RunSummaryView {
    const { steps, total } = this.steps(saved);
    return {
      id: saved.runId,
      workflow: saved.state.workflow,
      phase: saved.state.phase,
      done: steps.filter((s) => isFinishedStep(s.phase)).length,
      total,
      ...(saved.state.creator ? { createdBy: saved.state.creator } : {}),
      startedAt: saved.state.startedAt ?? saved.state.createdAt,
      ...(saved.state.finishedAt !== undefined ? { finishedAt: saved.state.finishedAt } : {}),
      waiting: steps.filter((s) => s.phase === 'AwaitingApproval').map((s) => s.name),
    };
  }

  async listRuns(): Promise<RunSummaryView[]> {
    return sortRuns(this.store.list().map((r) => this.summary(r)));
  }

  async getRun(id: string): Promise<RunView | undefined> {
    const saved = this.store.load(id);
    if (!saved) return undefined;
    const loaded = loadWorkflow(saved.workflowText, saved.file);
    const { steps } = this.steps(saved);
    const svg = loaded.workflow
      ? renderSvg(
          await layoutGraph(workflowGraph(loaded.workflow, new Map(steps.map((s) => [s.name, s.phase])))),
          `${saved.state.workflow}: run ${id}`,
        )
      : '';
    const summary = this.summary(saved);
    const decided = new Set(
      (saved.pending ?? []).flatMap((o) => (o.kind === 'approvalDecided' ? [o.step] : [])),
    );
    return {
      ...summary,
      where: this.where,
      ...(saved.state.reason ? { reason: saved.state.reason } : {}),
      ...(saved.state.message ? { message: saved.state.message } : {}),
      steps,
      // At the local terminal the owner of the state directory decides (conveyor approve).
      approvals: summary.waiting.map((step) => ({ step, users: [], groups: [], allowSelfApproval: true })),
      svg,
      actions: {
        approve: summary.waiting.some((s) => !decided.has(s)),
        cancel: false,
        resume: ['AwaitingApproval', 'Failed', 'Cancelled'].includes(saved.state.phase) || decided.size > 0,
      },
    };
  }

  private cli(args: string[]): Promise<ActionResult> {
    return runCli([...args, '--state-dir', this.store.root], this.io);
  }

  logs(id: string, step: string): Promise<ActionResult> {
    return this.cli(['logs', id, step]);
  }

  approve(
    id: string,
    step: string,
    decision: 'approved' | 'rejected',
    comment: string,
  ): Promise<ActionResult> {
    return this.cli([
      'approve',
      id,
      step,
      ...(decision === 'rejected' ? ['--reject'] : []),
      ...(comment ? ['--comment', comment] : []),
    ]);
  }

  async cancel(): Promise<ActionResult> {
    return { ok: false, message: 'a local run is cancelled with Ctrl-C in the terminal that runs it' };
  }

  async resume(id: string): Promise<ActionResult> {
    if (!this.store.load(id)) return { ok: false, message: `no run ${id} in ${this.store.root}` };
    // `conveyor resume` runs the rest of the workflow: in its own process, which outlives a request.
    const child = spawn(process.execPath, [this.program, 'resume', id, '--state-dir', this.store.root], {
      cwd: this.io.cwd,
      stdio: 'ignore',
      env: { ...process.env, ...this.io.env, CI: 'true' },
    });
    child.unref();
    return { ok: true, message: `Resuming ${id} (conveyor resume ${id}, process ${child.pid}).` };
  }

  watch(onChange: () => void): () => void {
    let last = '';
    const signature = () => {
      try {
        const dir = join(this.store.root, 'runs');
        return readdirSync(dir)
          .map((name) => {
            try {
              const st = statSync(join(dir, name, 'state.json'));
              return `${name}:${st.mtimeMs}:${st.size}`;
            } catch {
              return name;
            }
          })
          .join('|');
      } catch {
        return '';
      }
    };
    last = signature();
    const timer = setInterval(() => {
      const now = signature();
      if (now !== last) {
        last = now;
        onChange();
      }
    }, POLL_MS);
    return () => clearInterval(timer);
  }
}
