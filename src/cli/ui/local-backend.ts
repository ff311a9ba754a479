// The UI over a local state directory: runs are its saved states, changes are noticed by polling
// the state files' modification times (a run in another terminal writes them as it goes), a step's
// output is followed as `conveyor logs -f` follows it, and actions are the local CLI commands
// (approve, resume) on that directory.
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
import type { ActionResult, RunList, UiBackend, WorkflowList, WorkflowSummaryView } from './backend.ts';
import { runCli } from './run-cli.ts';
import { runConditions } from '../../controller/run-conditions.ts';
import type { Plan } from '../../engine/types.ts';
import { readJournal } from '../run-journal.ts';
import { runLockHolder } from '../run-lock.ts';
import { journalEvents } from './journal-events.ts';
import { runActions } from './run-actions.ts';
import { isFinishedStep, sortRuns, type RunSummaryView, type RunView } from './run-view.ts';
import { stepViews } from './step-views.ts';
import { workflowView, type WorkflowView } from './workflow-view.ts';
import { newRunId } from '../commands/run.ts';
import { followRunLogs } from '../follow-run-logs.ts';

const POLL_MS = 400;
const POLL_LOCK_MS = 50;
const LOCK_WAIT_MS = 20_000;
/** Exit codes of a conveyor command that ran a run to an end or a pause (README: Exit codes). */
const RUN_ENDED = new Set([0, 1, 3, 4, 130]);
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class LocalBackend implements UiBackend {
  readonly where: string;

  constructor(
    private readonly store: StateStore,
    private readonly io: CliIO,
    /** The conveyor program (for resume, rollback and retry, which run on in their own process). */
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
      name: saved.runId,
      workflow: saved.state.workflow,
      workflowId: saved.state.workflow,
      // Interrupted: under way in the state file, but no process works on it any more.
      phase: this.store.livePhase(saved),
      done: main.filter((s) => isFinishedStep(s.phase)).length,
      total: main.length,
      ...(saved.state.creator ? { createdBy: saved.state.creator } : {}),
      startedAt: saved.state.startedAt ?? saved.state.createdAt,
      ...(saved.state.finishedAt !== undefined ? { finishedAt: saved.state.finishedAt } : {}),
      waiting: main.filter((s) => s.phase === 'AwaitingApproval').map((s) => s.name),
    };
  }

  async listRuns(): Promise<RunList> {
    return { runs: sortRuns(this.store.list().map((r) => this.summary(r, this.plan(r)))) };
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
      summary.phase,
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
          approveWith: `conveyor approve ${id}`,
        },
        undefined,
        [],
        new Date(saved.savedAt),
      ),
      raised: state.raised,
      events: journalEvents(readJournal(this.store.runDir(id))),
      svg,
      // A run waiting for a decision that nobody gave would only wait again (the UI's resume does
      // not prompt): Resume is offered once there is a decision.
      actions: {
        ...actions,
        resume: decided.size > 0 || (actions.resume && summary.phase !== 'AwaitingApproval'),
      },
    };
  }

  private cli(args: string[]): Promise<ActionResult> {
    return runCli([...args, '--state-dir', this.store.root], this.io);
  }

  /** As `conveyor logs RUN STEP -f` follows it: the attempts' files, read on from where they were. */
  async followLogs(
    id: string,
    step: string,
    write: (text: string) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const saved = this.store.load(id);
    if (!saved) throw new Error(`no run ${id} in ${this.store.root}`);
    if (!saved.state.steps.some((s) => s.name === step)) throw new Error(`run ${id} has no step '${step}'`);
    await followRunLogs(this.store, id, step, write, signal);
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

  /** As Ctrl-C in the run's terminal does: running steps are killed now (conveyor terminate). */
  cancel(id: string): Promise<ActionResult> {
    return this.cli(['terminate', id, '--wait']);
  }

  resume(id: string): Promise<ActionResult> {
    return this.inOwnProcess('resume', id, 'Resuming');
  }

  rollback(id: string): Promise<ActionResult> {
    return this.inOwnProcess('rollback', id, 'Rolling back');
  }

  async retry(id: string): Promise<ActionResult> {
    const saved = this.store.load(id);
    if (!saved) return { ok: false, message: `no run ${id} in ${this.store.root}` };
    // Named here, as `conveyor run` names runs, so that the page can open the new run at once.
    const newId = newRunId(saved.state.workflow, this.io.now());
    const started = await this.inOwnProcess('retry', id, 'Retrying', {
      extra: ['--run-id', newId],
      target: newId,
    });
    return started.ok ? { ...started, run: newId } : started;
  }

  async listWorkflows(): Promise<WorkflowList> {
    const names = new Map<string, WorkflowSummaryView>();
    for (const saved of this.store.list()) {
      if (!names.has(saved.state.workflow)) names.set(saved.state.workflow, { name: saved.state.workflow });
    }
    return { workflows: [...names.values()].sort((a, b) => a.name.localeCompare(b.name)) };
  }

  /** The workflow as its newest run started it (a state directory keeps runs, not workflows). */
  async getWorkflow(name: string): Promise<WorkflowView | undefined> {
    const saved = this.store.list().find((r) => r.state.workflow === name);
    const plan = saved && this.plan(saved);
    if (!saved || !plan) return undefined;
    const { runs } = await this.listRuns();
    return workflowView({
      workflow: plan.workflow,
      where: this.where,
      source: `the newest run, ${saved.runId}${saved.file ? ` (${saved.file})` : ''}`,
      schedulesRun: false,
      svg: renderSvg(await layoutGraph(workflowGraph(plan.workflow, new Map())), name),
      runs: runs.filter((r) => r.workflow === name),
      now: this.io.now(),
    });
  }

  /**
   * `conveyor resume`, `rollback` and `retry` run steps: in their own process, which outlives a
   * request (and this UI), as when typed in a terminal. The answer waits until that process holds
   * the lock of the run it works on (`target`) and that run is saved, so the page finds the run
   * under way, or until it ended, with what it said (a refusal, or how the run ended).
   */
  private async inOwnProcess(
    command: 'resume' | 'rollback' | 'retry',
    id: string,
    doing: string,
    { extra = [], target = id }: { extra?: readonly string[]; target?: string } = {},
  ): Promise<ActionResult> {
    if (!this.store.load(id)) return { ok: false, message: `no run ${id} in ${this.store.root}` };
    const args = [command, id, ...extra];
    const child = spawn(process.execPath, [this.program, ...args, '--state-dir', this.store.root], {
      cwd: this.io.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...this.io.env, CI: 'true' },
    });
    let said = '';
    const collect = (d: Buffer) => {
      if (said.length < 64 * 1024) said += d.toString();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const runDir = this.store.runDir(target);
    const started = async (): Promise<boolean> => {
      for (let i = 0; i < LOCK_WAIT_MS / POLL_LOCK_MS; i++) {
        // Under way once its process holds the run's lock and the run is saved (a retry saves its
        // new run just after taking the lock): the page opened next must find it.
        if (runLockHolder(runDir)?.pid === child.pid && this.store.isSaved(target)) return true;
        const code = await Promise.race([exited, delay(POLL_LOCK_MS).then(() => 'running' as const)]);
        if (code !== 'running') return false;
      }
      return true;
    };
    const command_ = `conveyor ${args.join(' ')}`;
    if (await started()) {
      child.unref();
      return { ok: true, message: `${doing} ${id} (${command_}, process ${child.pid}).` };
    }
    const code = await exited;
    // A run quick enough to end between two looks at its lock still started. Its exit code says how
    // the run ended (a rolled-back run stays Failed: 1), where a refusal is 2 and a crash 70.
    if (code !== null && RUN_ENDED.has(code) && this.store.isSaved(target))
      return { ok: true, message: `${doing} ${id} (${command_}, process ${child.pid}): ${said.trim()}` };
    return { ok: code === 0, message: `${command_} exited ${code}: ${said.trim()}` };
  }

  watch(onChange: (runs: readonly string[]) => void): () => void {
    /** Each run's state file as last seen (modification time and size). */
    const look = (): Map<string, string> => {
      const dir = join(this.store.root, 'runs');
      const seen = new Map<string, string>();
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return seen;
      }
      for (const name of names) {
        try {
          const st = statSync(join(dir, name, 'state.json'));
          seen.set(name, `${st.mtimeMs}:${st.size}`);
        } catch {
          seen.set(name, '');
        }
      }
      return seen;
    };
    let last = look();
    const timer = setInterval(() => {
      const now = look();
      const changed = [...new Set([...last.keys(), ...now.keys()])].filter(
        (id) => last.get(id) !== now.get(id),
      );
      last = now;
      if (changed.length > 0) onChange(changed);
    }, POLL_MS);
    return () => clearInterval(timer);
  }
}
