// Follows one WorkflowRun from a watch (fieldSelector metadata.name=RUN, through the controller's
// informer so that dropped or silent watches reconnect) and draws the same progress as a local run
// from the engine state the controller writes into status. Ends at a final phase or when the run
// waits for approval; Ctrl-C detaches (the run goes on) or, with cancelOnInterrupt, cancels it.
import type { KubernetesObject } from '@kubernetes/client-node';
import { decodeEngineState } from '../../controller/engine-state-codec.ts';
import type { WorkflowRunObject } from '../../controller/resources.ts';
import { API_VERSION, PLURALS } from '../../spec/crd/identity.ts';
import { createInformer } from '../../kube/informer.ts';
import type { Action, Plan, RunState, StepPhase } from '../../engine/types.ts';
import { EXIT, exitCodeOfRun } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { learnHistory } from '../progress/eta.ts';
import { ProgressReporter } from '../progress/reporter.ts';
import { runResult } from '../run-result.ts';
import type { ClusterApi } from './api.ts';
import type { ClusterTarget } from './connection.ts';
import { cliHint } from './names.ts';
import { loadRunPlan } from './run-plan.ts';

export interface FollowRequest {
  readonly api: ClusterApi;
  readonly io: CliIO;
  readonly run: string;
  /** The plan when the caller has it (run FILE); otherwise read from the run's pinned workflow. */
  readonly plan?: Plan;
  readonly output: 'text' | 'json';
  readonly cancelOnInterrupt: boolean;
  /** How to mention this CLI in hints: `kubectl conveyor` or `conveyor … --cluster`. */
  readonly hint: (args: string) => string;
  /** How long without any word from a controller before saying so (ms). */
  readonly quietNoticeMs?: number;
}

type End =
  | { kind: 'finished'; run: WorkflowRunObject; state?: RunState }
  | { kind: 'awaiting'; run: WorkflowRunObject; state: RunState }
  | { kind: 'deleted' }
  | { kind: 'detached'; state?: RunState };

/** The command-line flags that shape how a run is followed. */
export interface FollowFlags {
  'cancel-on-interrupt'?: unknown;
  namespace?: unknown;
}

/** followRun as a command's flags ask: Ctrl-C cancels with --cancel-on-interrupt; hints repeat -n. */
export function followAsAsked(req: {
  api: ClusterApi;
  io: CliIO;
  target: ClusterTarget;
  values: FollowFlags;
  run: string;
  output: 'text' | 'json';
}): Promise<number> {
  const { api, io, target, values, run, output } = req;
  return followRun({
    api,
    io,
    run,
    output,
    cancelOnInterrupt: values['cancel-on-interrupt'] === true,
    hint: cliHint(values.namespace !== undefined ? ` -n ${target.namespace}` : ''),
  });
}

const FINAL = new Set(['Succeeded', 'Failed', 'Cancelled']);

export async function followRun(req: FollowRequest): Promise<number> {
  const { api, io, run: name } = req;
  const out = req.output === 'json' ? io.stderr : io.stdout;
  const live = out.isTTY && !io.env.CI && !io.env.NO_COLOR && io.env.TERM !== 'dumb';
  let plan = req.plan;
  let reporter: ProgressReporter | undefined;
  let last: RunState | undefined;
  let lastMessage: string | undefined;
  let heard = false;
  let finish!: (end: End) => void;
  const ended = new Promise<End>((resolve) => (finish = resolve));
  // Status updates arrive faster than a plan can load: handle them one at a time, in order.
  let queue = Promise.resolve();

  const note = (text: string): void => {
    if (reporter) reporter.note(text);
    else out.write(`${text}\n`);
  };

  async function onRun(run: WorkflowRunObject): Promise<void> {
    const status = (run.status ?? {}) as {
      phase?: string;
      message?: string;
      pinnedWorkflow?: string;
      engine?: unknown;
    };
    const decoded = status.engine === undefined ? undefined : decodeEngineState(status.engine);
    if (status.phase !== undefined) heard = true;
    if (decoded?.ok) {
      const state = decoded.state;
      if (!plan && status.pinnedWorkflow) plan = await loadRunPlan(api, status.pinnedWorkflow);
      if (plan && state.steps.length === plan.nodes.length) {
        reporter ??= new ProgressReporter({
          plan,
          out,
          live,
          history: learnHistory([]),
          now: () => io.now(),
        });
        reporter.onDecision(state, live ? [] : changes(plan, last, state));
      }
      last = state;
    } else if (status.message && status.message !== lastMessage) {
      // Not started (yet): the controller says why, e.g. the Workflow does not exist.
      note(`${name}: ${status.phase ?? 'Pending'}: ${status.message}`);
    }
    lastMessage = status.message;
    if (status.phase && FINAL.has(status.phase)) finish({ kind: 'finished', run, state: last });
    else if (status.phase === 'AwaitingApproval' && last) finish({ kind: 'awaiting', run, state: last });
  }

  const informer = createInformer<KubernetesObject>(api.target.kc, {
    path: `/apis/${API_VERSION}/${PLURALS.run}`,
    namespace: api.namespace,
    fieldSelector: `metadata.name=${name}`,
  });
  const enqueue = (obj: KubernetesObject): void => {
    queue = queue.then(() =>
      onRun(obj as unknown as WorkflowRunObject).catch((error: unknown) =>
        note(`cannot show progress: ${(error as Error).message}`),
      ),
    );
  };
  informer.on('add', enqueue);
  informer.on('update', enqueue);
  informer.on('delete', () => finish({ kind: 'deleted' }));
  informer.start();

  const quiet = setTimeout(() => {
    if (!heard)
      note(
        `${name} has no status yet: is the Conveyor controller running and watching namespace ${api.namespace}? (still waiting; Ctrl-C to detach)`,
      );
  }, req.quietNoticeMs ?? 15_000);

  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (req.cancelOnInterrupt && interrupts === 1) {
      note(`Received ${signal}: cancelling ${name} (again to stop following; the cancel stands)…`);
      api.patchRun(name, { spec: { cancel: true } }).catch((error: unknown) => {
        note(`cannot cancel: ${(error as Error).message}`);
        finish({ kind: 'detached', state: last });
      });
      return;
    }
    finish({ kind: 'detached', state: last });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let end: End;
  try {
    end = await ended;
  } finally {
    clearTimeout(quiet);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    reporter?.stop();
    await informer.stop();
  }
  return report(req, end, plan, reporter);
}

function report(req: FollowRequest, end: End, plan: Plan | undefined, reporter?: ProgressReporter): number {
  const { io, run: name } = req;
  const hintOut = req.output === 'json' ? io.stderr : io.stdout;
  if (end.kind === 'deleted') {
    io.stderr.write(`${name} was deleted while it was being followed.\n`);
    return EXIT.failed;
  }
  const state = end.state;
  if (req.output === 'json' && plan && state) {
    io.stdout.write(`${JSON.stringify(runResult(plan, state), null, 2)}\n`);
  } else if (req.output === 'json' && end.kind === 'finished') {
    // The run never started (invalid workflow or parameters): no engine state, but still one document.
    const status = (end.run.status ?? {}) as { phase?: string; reason?: string; message?: string };
    io.stdout.write(
      `${JSON.stringify({ run_id: name, workflow: null, phase: status.phase, reason: status.reason ?? null, message: status.message ?? null, steps: {}, outputs: {} }, null, 2)}\n`,
    );
  } else if (reporter && state) {
    io.stdout.write(reporter.summary(state));
  }
  if (end.kind === 'detached') {
    hintOut.write(
      `Stopped following ${name}; it goes on in the cluster. Follow it again or see it with:\n  ${req.hint(`history`)}\n  ${req.hint(`logs ${name}`)}\n  ${req.hint(`cancel ${name}`)}\n`,
    );
    return EXIT.cancelled;
  }
  if (end.kind === 'awaiting') {
    const waiting = end.state.steps.filter((s) => s.phase === 'AwaitingApproval').map((s) => s.name);
    hintOut.write(
      `${name} waits for approval of ${waiting.join(', ')}. An allowed approver (not the creator, unless the step allows it) runs:\n${waiting.map((s) => `  ${req.hint(`approve ${name} ${s}`)}`).join('\n')}\nThe run continues in the cluster by itself once approved.\n`,
    );
    return EXIT.awaitingApproval;
  }
  const status = (end.run.status ?? {}) as { phase?: string; reason?: string; message?: string };
  if (!state) io.stderr.write(`${name}: ${status.phase}${status.message ? `: ${status.message}` : ''}\n`);
  return exitCodeOfRun(status.phase, state?.degraded === true);
}

const EVENT_OF: Partial<
  Record<StepPhase, { type: string; severity: 'info' | 'warning' | 'error'; verb: string }>
> = {
  Running: { type: 'step_started', severity: 'info', verb: 'started' },
  Retrying: { type: 'step_retrying', severity: 'warning', verb: 'failed; retrying' },
  AwaitingApproval: { type: 'requires_approval', severity: 'info', verb: 'waits for approval' },
  Succeeded: { type: 'step_succeeded', severity: 'info', verb: 'succeeded' },
  Failed: { type: 'step_failed', severity: 'error', verb: 'failed' },
  Skipped: { type: 'step_skipped', severity: 'info', verb: 'skipped' },
  FellBack: { type: 'step_fell_back', severity: 'warning', verb: 'was replaced by its fallback' },
  Cancelled: { type: 'step_cancelled', severity: 'warning', verb: 'was cancelled' },
};

/**
 * A watch shows states, not the engine's decisions: the events a line-per-event display prints are
 * rebuilt from what changed between two states (step phases, then the run's phase).
 */
export function changes(plan: Plan, before: RunState | undefined, after: RunState): Action[] {
  const actions: Action[] = [];
  for (const node of plan.nodes) {
    if (node.isGroup) continue;
    const now = after.steps[node.index];
    const was = before?.steps[node.index];
    if (!now || (was?.phase === now.phase && was.lastAttempt === now.lastAttempt)) continue;
    const e = EVENT_OF[now.phase];
    if (!e) continue;
    if (now.phase === 'Skipped' && node.role !== 'main') continue;
    const why =
      now.phase === 'Failed' && (now.message ?? now.exitCode != null)
        ? `: ${now.message ?? `exit code ${String(now.exitCode)}`}`
        : '';
    actions.push({
      kind: 'event',
      type: e.type as never,
      severity: e.severity,
      step: node.name,
      message: `step '${node.name}' ${e.verb}${why}`,
    });
  }
  if (before?.phase !== after.phase && after.phase !== 'Pending') {
    const run: Action = {
      kind: 'event',
      type: 'stage_changed',
      severity: after.phase === 'Failed' ? 'error' : 'info',
      message: `run ${after.runId}: ${after.phase}${after.message && after.phase !== 'Running' ? ` (${after.message})` : ''}`,
    };
    // "Running" reads best before the first step starts; a final phase after the last step ends.
    if (after.phase === 'Running') actions.unshift(run);
    else actions.push(run);
  }
  return actions;
}
