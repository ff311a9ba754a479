// The UI over a namespace of a cluster, or all of them (-A), as the kubeconfig's user: runs from the
// API server, live through a watch of WorkflowRuns, and every action the cluster CLI command itself
// in the run's namespace (approve as a patch keyed by that user, which the admission policy judges;
// cancel; resume as a new run).
import type { KubernetesObject } from '@kubernetes/client-node';
import type { WorkflowObject, WorkflowRunObject } from '../../controller/resources.ts';
import { ANNOTATIONS, API_VERSION, LABELS, labelValue, PLURALS } from '../../spec/crd/identity.ts';
import { createInformer } from '../../kube/informer.ts';
import { PINNED_KEY } from '../../controller/start-run.ts';
import { decodeEngineState } from '../../controller/engine-state-codec.ts';
import { buildPlan } from '../../engine/plan.ts';
import { formatDiagnostic } from '../../spec/diagnostics.ts';
import { loadWorkflowObject } from '../../spec/load.ts';
import { type ClusterApi, serverMessage } from '../cluster/api.ts';
import { connect } from '../cluster/connection.ts';
import { byAttemptOrder } from '../cluster/logs.ts';
import { followLogs } from '../cluster/logs-follow.ts';
import { clusterRunSource } from '../graph/run-sources.ts';
import { layoutGraph } from '../graph/layout.ts';
import { renderSvg } from '../graph/svg.ts';
import { workflowGraph } from '../graph/workflow-graph.ts';
import type { CliIO } from '../io.ts';
import type { ActionResult, UiBackend } from './backend.ts';
import { ClusterLastSeen } from './cluster-last-seen.ts';
import { ClusterScope, type Located } from './cluster-scope.ts';
import { runActions } from './run-actions.ts';
import { runCli } from './run-cli.ts';
import {
  isFinishedStep,
  sortRuns,
  type ApprovalView,
  type EventView,
  type RunSummaryView,
  type RunView,
  type StaleView,
  type StepView,
} from './run-view.ts';
import { stepViews } from './step-views.ts';
import { notWatched, unavailable } from './unavailable.ts';
import { workflowView } from './workflow-view.ts';

/** How long the watch waits for the API server to answer before the page says it is not reachable. */
const WATCH_OPEN_TIMEOUT_MS = 10_000;

interface RunStatus {
  phase?: string;
  reason?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  pinnedWorkflow?: string;
  progress?: { done?: number; total?: number };
  steps?: Record<
    string,
    {
      phase?: string;
      attempts?: number;
      exitCode?: number;
      reason?: string;
      message?: string;
      startedAt?: string;
      finishedAt?: string;
    }
  >;
  approvals?: Record<
    string,
    {
      users?: string[];
      groups?: string[];
      allowSelfApproval?: boolean;
      required?: number;
      decided?: Record<string, { decision?: string; comment?: string; counted?: boolean }>;
    }
  >;
  outputs?: Record<string, string>;
  conditions?: {
    type: string;
    status: string;
    reason?: string;
    message?: string;
    lastTransitionTime?: string;
  }[];
  engine?: unknown;
}

const time = (t: string | undefined) => (t ? Date.parse(t) : undefined);

export interface ClusterBackendOptions {
  /** Every run carries its namespace, in one namespace too: the list mixes them with local runs. */
  readonly namespaced?: boolean;
}

export function clusterBackend(
  values: Record<string, unknown>,
  io: CliIO,
  { namespaced = false }: ClusterBackendOptions = {},
): UiBackend {
  const target = connect(values, io);
  const scope = new ClusterScope(target, values['all-namespaces'] === true);
  // The connection options as given, for the CLI commands the actions run.
  const connection = ['--cluster'];
  for (const key of ['context', 'kubeconfig'] as const) {
    if (typeof values[key] === 'string') connection.push(`--${key}`, values[key]);
  }
  /** Where the run or workflow `id` lives; an id that cannot name one is refused as the CLI would. */
  const locate = (id: string): Located => {
    const found = scope.locate(id);
    if (!found) throw new Error(`expected NAMESPACE/NAME across all namespaces, got ${JSON.stringify(id)}`);
    return found;
  };
  /** The CLI command on the run `id`, in its namespace (`conveyor approve NAME … --cluster -n NS`). */
  const cli = (command: string, id: string, args: readonly string[] = []): Promise<ActionResult> => {
    const { namespace, name } = locate(id);
    return runCli([command, name, ...args, ...connection, '-n', namespace], io);
  };
  /** resume and retry --detach print the name of the run they created: the page opens it. */
  const startsRun = async (doing: string, id: string, command: string): Promise<ActionResult> => {
    const result = await cli(command, id, ['--detach']);
    if (!result.ok) return result;
    const { namespace, name } = locate(id);
    const created = result.message.split('\n').pop()?.trim() ?? '';
    return {
      ok: true,
      message: `${doing} ${id} as ${created} (conveyor ${command} ${name} --detach -n ${namespace}).`,
      run: scope.idOf(namespace, created),
    };
  };

  /** What the page can still show while the cluster cannot be read. */
  const seen = new ClusterLastSeen(scope.where);

  const summary = (run: WorkflowRunObject): RunSummaryView => {
    const status = (run.status ?? {}) as RunStatus;
    const steps = Object.values(status.steps ?? {});
    const waiting = Object.entries(status.steps ?? {})
      .filter(([, s]) => s.phase === 'AwaitingApproval')
      .map(([name]) => name);
    const createdBy = run.metadata.annotations?.[ANNOTATIONS.createdBy];
    const startedAt = time(status.startedAt) ?? time(run.metadata.creationTimestamp as string | undefined);
    const finishedAt = time(status.finishedAt);
    const namespace = run.metadata.namespace ?? target.namespace;
    const workflow =
      run.spec?.workflowRef?.name ??
      (run.metadata.labels?.[LABELS.workflow] as string | undefined) ??
      '(inline)';
    return {
      id: scope.idOf(namespace, run.metadata.name),
      name: run.metadata.name,
      ...(scope.allNamespaces || namespaced ? { namespace } : {}),
      workflow,
      workflowId: scope.idOf(namespace, workflow),
      phase: status.phase ?? 'Pending',
      done: status.progress?.done ?? steps.filter((s) => s.phase && isFinishedStep(s.phase)).length,
      total: status.progress?.total ?? steps.length,
      ...(createdBy ? { createdBy } : {}),
      ...(startedAt !== undefined ? { startedAt } : {}),
      ...(finishedAt !== undefined ? { finishedAt } : {}),
      waiting,
    };
  };

  /**
   * The run's workflow: the one the controller pinned or, for someone who may not read ConfigMaps
   * (an approver), the Workflow or the inline workflow the run names.
   */
  const workflowTextOf = async (
    api: ClusterApi,
    run: WorkflowRunObject,
    status: RunStatus,
  ): Promise<string | undefined> => {
    if (status.pinnedWorkflow) {
      const pinned = await api
        .getConfigMapData(status.pinnedWorkflow)
        .then((data) => data?.[PINNED_KEY])
        .catch(() => undefined);
      if (pinned !== undefined) return pinned;
    }
    if (run.spec?.workflowRef?.name) {
      const wf = await api.getWorkflow(run.spec.workflowRef.name);
      return wf ? JSON.stringify({ ...(wf.spec ?? {}), name: wf.metadata.name }) : undefined;
    }
    if (run.spec?.workflow) return JSON.stringify({ name: run.metadata.name, ...run.spec.workflow });
    return undefined;
  };

  const eventsOf = async (api: ClusterApi, name: string): Promise<EventView[]> => {
    try {
      return (await api.listEvents('WorkflowRun', name))
        .map((e) => {
          // client-node gives Dates (or, from some servers' microtime, strings).
          const when = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp;
          const at = when === undefined ? undefined : new Date(when as Date | string).getTime();
          return {
            ...(at !== undefined ? { at } : {}),
            type: e.type ?? 'Normal',
            reason: e.reason ?? '',
            message: e.message ?? '',
            ...(e.count ? { count: e.count } : {}),
          };
        })
        .sort((a, b) => (a.at ?? 0) - (b.at ?? 0));
    } catch (error) {
      // An approver's role reads runs only: say so instead of hiding the section.
      return [{ type: 'Warning', reason: 'NotVisible', message: serverMessage(error) }];
    }
  };

  return {
    where: scope.where,
    /** The runs as the API server lists them now or, when it cannot be reached (or refuses), as the
     *  watch last saw them, each marked stale, with why beside them. */
    async listRuns() {
      let runs: WorkflowRunObject[];
      try {
        runs = await seen.read(() => scope.listRuns());
      } catch (error) {
        const last = seen.after(error);
        if (!last) throw error;
        return {
          runs: sortRuns(last.runs.map((run) => ({ ...summary(run), stale: last.stale }))),
          unavailable: [last.unavailable],
        };
      }
      const refused = seen.watchRefused;
      return {
        runs: sortRuns(runs.map(summary)),
        ...(refused !== undefined ? { unavailable: [notWatched(scope.where, refused)] } : {}),
      };
    },
    async getRun(id) {
      const found = scope.locate(id);
      if (!found) return undefined;
      let run: WorkflowRunObject | undefined;
      let stale: StaleView | undefined;
      try {
        run = await seen.read(() => found.api.getRun(found.name));
      } catch (error) {
        // As last seen, with no further request: the watch's copy, and the workflow and Events as
        // last read for this page.
        const last = seen.after(error);
        run = last?.runs.find(
          (r) =>
            (r.metadata.namespace ?? target.namespace) === found.namespace && r.metadata.name === found.name,
        );
        if (!last || !run) throw error;
        stale = last.stale;
      }
      if (!run) return undefined;
      const { api, name } = found;
      const status = (run.status ?? {}) as RunStatus;
      const base = stale ? { ...summary(run), stale } : summary(run);
      const text = stale
        ? seen.pages.get(id)?.text
        : await workflowTextOf(api, run, status).catch(() => undefined);
      let source: ReturnType<typeof clusterRunSource> | undefined;
      try {
        source = text === undefined ? undefined : clusterRunSource(run, text, `workflowrun/${name}`);
      } catch {
        source = undefined;
      }
      const plan = source ? buildPlan(source.workflow) : undefined;
      const decoded = status.engine ? decodeEngineState(status.engine) : undefined;
      const state = decoded?.ok ? decoded.state : undefined;
      const svg = source
        ? renderSvg(
            await layoutGraph(workflowGraph(source.workflow, source.phases)),
            `${source.workflow.name}: run ${name}`,
          )
        : '';
      const steps: StepView[] =
        plan && state && state.steps.length === plan.nodes.length
          ? stepViews(plan, state)
          : Object.entries(status.steps ?? {}).map(([name, s]) => ({
              name,
              phase: s.phase ?? 'Pending',
              attempts: s.attempts ?? 0,
              ...(s.exitCode !== undefined ? { exitCode: s.exitCode } : {}),
              ...(s.reason ? { reason: s.reason } : {}),
              ...(s.message ? { message: s.message } : {}),
              ...(time(s.startedAt) !== undefined ? { startedAt: time(s.startedAt) } : {}),
              ...(time(s.finishedAt) !== undefined ? { finishedAt: time(s.finishedAt) } : {}),
            }));
      const approvals: ApprovalView[] = base.waiting.map((step) => {
        const request = status.approvals?.[step] ?? {};
        return {
          step,
          users: request.users ?? [],
          groups: request.groups ?? [],
          allowSelfApproval: request.allowSelfApproval === true,
          required: request.required ?? 1,
          decided: Object.entries(request.decided ?? {}).map(([user, d]) => ({
            user,
            decision: d.decision ?? '',
            ...(d.comment ? { comment: d.comment } : {}),
            ...(d.counted !== undefined ? { counted: d.counted } : {}),
          })),
        };
      });
      const events = stale ? (seen.pages.get(id)?.events ?? []) : await eventsOf(api, name);
      if (!stale) seen.pages.set(id, { text, events });
      const view: RunView = {
        ...base,
        where: api.target.where,
        ...(status.reason ? { reason: status.reason } : {}),
        ...(status.message ? { message: status.message } : {}),
        steps,
        approvals,
        outputs: status.outputs ?? {},
        conditions: (status.conditions ?? []).map((c) => ({
          type: c.type,
          status: c.status,
          ...(c.reason ? { reason: c.reason } : {}),
          ...(c.message ? { message: c.message } : {}),
          ...(c.lastTransitionTime ? { lastTransitionTime: c.lastTransitionTime } : {}),
        })),
        raised: state?.raised ?? [],
        events,
        svg,
        actions: stale
          ? // Each would be refused for the same reason until the cluster answers again.
            { approve: false, cancel: false, resume: false, rollback: false, retry: false }
          : {
              ...runActions(plan, state, base.phase, 'cluster', approvals.length > 0),
              // Asked for already: the controller is on it.
              ...(run.spec?.rollback === true ? { rollback: false } : {}),
            },
      };
      return view;
    },
    /** As `conveyor logs RUN STEP -f --cluster` follows it: a running pod's log streamed (client-node's
     *  Log with follow), a finished one read whole, a header whenever the attempt changes. */
    async followLogs(id, step, write, signal) {
      const { api, name } = locate(id);
      if (!(await api.getRun(name))) throw new Error(`no WorkflowRun ${name} in namespace ${api.namespace}`);
      let shown: string | undefined;
      const selector = `${LABELS.run}=${labelValue(name)},${LABELS.step}=${labelValue(step)}`;
      await followLogs({
        api,
        // Its notes (the run ended, waits for approval) are for a terminal, not for the page.
        io: { ...io, stderr: { write: () => undefined, isTTY: false } },
        run: name,
        selector,
        order: byAttemptOrder,
        signal,
        onLine: (label, line) => {
          if (label !== shown) write(`${shown === undefined ? '' : '\n'}==> ${label} <==\n`);
          shown = label;
          write(`${line}\n`);
        },
      });
      if (shown !== undefined || signal.aborted) return;
      // Nothing to show of a step that ran: its pods went with their Jobs (a TTL, a cleanup), as
      // conveyor logs says too, rather than "no output".
      const [pods, run] = await Promise.all([api.listPods(selector), api.getRun(name)]);
      const attempts = ((run?.status ?? {}) as RunStatus).steps?.[step]?.attempts ?? 0;
      if (attempts > 0 && pods.length === 0)
        write(`(the pods of ${step} are gone: its log is no longer available)\n`);
    },
    approve: (id, step, decision, comment) =>
      cli('approve', id, [
        step,
        ...(decision === 'rejected' ? ['--reject'] : []),
        ...(comment ? ['--comment', comment] : []),
      ]),
    cancel: (id) => cli('cancel', id),
    resume: (id) => startsRun('Resuming', id, 'resume'),
    rollback: (id) => cli('rollback', id),
    retry: (id) => startsRun('Retrying', id, 'retry'),
    async listWorkflows() {
      let listed: WorkflowObject[];
      try {
        listed = await seen.read(() => scope.listWorkflows());
      } catch (error) {
        // Beside runs as last seen (the watch had them), the list still draws, without workflows.
        if (!seen.workflows && !seen.watched) throw error;
        return { workflows: seen.workflows ?? [], unavailable: [unavailable(scope.where, error)] };
      }
      const workflows = listed
        .map((wf) => {
          const name = scope.idOf(wf.metadata.namespace ?? target.namespace, wf.metadata.name);
          seen.workflowObjects.set(name, wf);
          return {
            name,
            ...(typeof wf.spec?.description === 'string' ? { description: wf.spec.description } : {}),
          };
        })
        .sort((a, b) => a.name.localeCompare(b.name));
      seen.workflows = workflows;
      return { workflows };
    },
    async getWorkflow(id) {
      const found = scope.locate(id);
      if (!found) return undefined;
      const { api, name, namespace } = found;
      let wf: WorkflowObject | undefined;
      let runs: WorkflowRunObject[];
      let stale: StaleView | undefined;
      try {
        wf = await seen.read(() => api.getWorkflow(name));
        if (!wf) return undefined;
        seen.workflowObjects.set(id, wf);
        runs = await seen.read(() => api.listRuns());
      } catch (error) {
        // As last read (listed or shown), with its runs as the watch last saw them.
        const last = seen.after(error);
        wf = seen.workflowObjects.get(id);
        if (!last || !wf) throw error;
        runs = last.runs.filter((r) => (r.metadata.namespace ?? target.namespace) === namespace);
        stale = last.stale;
      }
      const loaded = loadWorkflowObject({ ...(wf.spec ?? {}), name }, `workflow/${name}`);
      if (!loaded.workflow) throw new Error(loaded.diagnostics.map(formatDiagnostic).join('\n'));
      const summaries = runs
        .map((run) => (stale ? { ...summary(run), stale } : summary(run)))
        .filter((r) => r.workflow === name);
      return workflowView({
        workflow: loaded.workflow,
        where: api.target.where,
        source: `Workflow ${name}`,
        schedulesRun: true,
        svg: renderSvg(await layoutGraph(workflowGraph(loaded.workflow, new Map())), name),
        runs: sortRuns(summaries),
        now: Date.now(),
        ...(stale ? { stale } : {}),
      });
    },
    watch(onChange) {
      let pending: NodeJS.Timeout | undefined;
      const runs = new Set<string>();
      // Several events arrive together (a status write per step): tell the page once.
      const tell = () => {
        pending ??= setTimeout(() => {
          pending = undefined;
          const ids = [...runs];
          runs.clear();
          onChange(ids);
        }, 100);
      };
      const idOf = (run: KubernetesObject) =>
        scope.idOf(run.metadata?.namespace ?? target.namespace, run.metadata?.name ?? '');
      const changed = (run: KubernetesObject) => {
        runs.add(idOf(run));
        tell();
      };
      // The list is drawn again when the cluster can no longer be reached and when it can again
      // (an empty namespace included), so that it says so without a reload, and so is the page of
      // every run it had seen: shown as last seen, then live again.
      let lost = false;
      const everyRun = () => {
        for (const run of watching.list()) runs.add(idOf(run));
        tell();
      };
      const watching = createInformer<KubernetesObject>(
        target.kc,
        {
          path: `/apis/${API_VERSION}/${PLURALS.run}`,
          namespace: scope.watchedNamespace,
        },
        {
          // A host that takes the watch's connection and never answers (after a clean close, nothing
          // else would tell) is lost contact too: the list then shows the runs as last seen.
          openTimeoutMs: WATCH_OPEN_TIMEOUT_MS,
          onWatchRestart: (reason) => {
            if (lost || (reason !== 'error' && reason !== 'watchdog')) return;
            lost = true;
            everyRun();
          },
          onRecover: () => {
            lost = false;
            everyRun();
          },
        },
      );
      seen.informer = watching;
      void watching.waitForSync().then((synced) => synced && tell());
      watching.on('add', changed);
      watching.on('update', changed);
      watching.on('delete', changed);
      watching.start();
      return () => {
        if (pending) clearTimeout(pending);
        if (seen.informer === watching) seen.informer = undefined;
        void watching.stop();
      };
    },
  };
}
