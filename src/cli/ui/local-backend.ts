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
import { runConditions } from '../../controller/run-conditions.ts';
import type { Plan } from '../../engine/types.ts';
import { readJournal } from '../run-journal.ts';
import { journalEvents } from './journal-events.ts';
import { runActions } from './run-actions.ts';
import { isFinishedStep, sortRuns, type RunSummaryView, type RunView } from './run-view.ts';
import { stepViews } from './step-views.ts';

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

  /** The run's plan, from the workflow text it started with (whatever the file says now). */
  private plan(saved: SavedRun): Plan | undefined {
    const loaded = loadWorkflow(saved.workflowText, saved.file);
    return loaded.workflow ? buildPlan(loaded.workflow) : undefined;
  }

  private summary(saved: SavedRun, plan: Plan | undefined): RunSummaryView {
    const main = saved.state.steps.slice(0, plan?.mainNodeCount ?? saved.state.steps.length);
    return {
      id: saved.runId,
      workflow: saved.state.workflow,
      phase: saved.state.phase,
      done: main.filter((s) => isFinishedStep(s.phase)).length,
      total: main.length,
      ...(saved.state.creator ? { createdBy: saved.state.creator } : {}),
      startedAt: saved.state.startedAt ?? saved.state.createdAt,
      ...(saved.state.finishedAt !== undefined ? { finishedAt: saved.state.finishedAt } : {}),
      waiting: main.filter((s) => s.phase === 'AwaitingApproval').map((s) => s.name),
    };
  }

  async listRuns(): Promise<RunSummaryView[]> {
    return sortRuns(this.store.list().map((r) => this.summary(r, this.plan(r))));
  }

  async getRun(id: string): Promise<RunView | undefined> {
    const saved = this.store.load(id);
    if (!saved) return undefined;
    const plan = this.plan(saved);
    const state = saved.state;
    const steps = plan ? stepViews(plan, state) : [];
    const svg = plan
      ? renderSvg(
          await layoutGraph(workflowGraph(plan.workflow, new Map(steps.map((s) => [s.name, s.phase])))),
          `${state.workflow}: run ${id}`,
        )
      : '';
    const summary = this.summary(saved, plan);
    const decided = new Set(
      (saved.pending ?? []).flatMap((o) => (o.kind === 'approvalDecided' ? [o.step] : [])),
    );
    const actions = runActions(
      plan,
      state,
      state.phase,
      'local',
      summary.waiting.some((s) => !decided.has(s)),
    );
    return {
      ...summary,
      where: this.where,
      ...(state.reason ? { reason: state.reason } : {}),
      ...(state.message ? { message: state.message } : {}),
      steps,
      // At the local terminal the owner of the state directory decides (conveyor approve).
      approvals: summary.waiting.map((step) => ({
        step,
        users: [],
        groups: [],
        allowSelfApproval: true,
        required: 1,
        decided: (saved.pending ?? []).flatMap((o) =>
          o.kind === 'approvalDecided' && o.step === step
            ? [{ user: o.user, decision: o.decision, ...(o.comment ? { comment: o.comment } : {}) }]
            : [],
        ),
      })),
      outputs: state.outputs,
      conditions: runConditions(
        {
          phase: state.phase,
          ...(state.reason ? { reason: state.reason } : {}),
          ...(state.message ? { message: state.message } : {}),
          degraded: state.degraded,
          awaiting: summary.waiting,
        },
        undefined,
        [],
        new Date(saved.savedAt),
      ),
      raised: state.raised,
      events: journalEvents(readJournal(this.store.runDir(id))),
      svg,
      actions: { ...actions, resume: actions.resume || decided.size > 0 },
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

  resume(id: string): Promise<ActionResult> {
    return this.inOwnProcess('resume', id, 'Resuming');
  }

  rollback(id: string): Promise<ActionResult> {
    return this.inOwnProcess('rollback', id, 'Rolling back');
  }

  /** `conveyor resume` and `conveyor rollback` run steps: in their own process, which outlives a
   *  request (and this UI), as when typed in a terminal. */
  private async inOwnProcess(
    command: 'resume' | 'rollback',
    id: string,
    doing: string,
  ): Promise<ActionResult> {
    if (!this.store.load(id)) return { ok: false, message: `no run ${id} in ${this.store.root}` };
    const child = spawn(process.execPath, [this.program, command, id, '--state-dir', this.store.root], {
      cwd: this.io.cwd,
      stdio: 'ignore',
      env: { ...process.env, ...this.io.env, CI: 'true' },
    });
    child.unref();
    return { ok: true, message: `${doing} ${id} (conveyor ${command} ${id}, process ${child.pid}).` };
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
