// The UI over local runs and a cluster's at once (`conveyor ui --cluster --state-dir DIR`): one
// list, each run marked with where it is, and every page, output stream and action handed to the
// backend the run belongs to. A local run's id is `local:` and its own id; no id of the cluster's
// can start so (Kubernetes names and namespaces have no colon), so a local run and a WorkflowRun
// may share a name, and a local workflow a Workflow's. A side that cannot be read (the cluster's
// API server is down, or refuses the user) leaves the other listed, with why beside it.
import type {
  ActionResult,
  RunList,
  UiBackend,
  Unavailable,
  WorkflowList,
  WorkflowSummaryView,
} from './backend.ts';
import { sortRuns, type RunSummaryView, type RunView } from './run-view.ts';
import { answerWithin } from './answer-within.ts';
import { unavailable } from './unavailable.ts';
import type { WorkflowView } from './workflow-view.ts';

const LOCAL = 'local:';

/** How long a list waits for one side: an API server that takes the connection and never answers
 *  (a host gone) would otherwise hold the page, local runs and all, for minutes. */
const LIST_DEADLINE_MS = 20_000;

/** What `read` gave, or why it could not be read, within the deadline. */
async function settle<T>(where: string, read: () => Promise<T>): Promise<T | Unavailable> {
  try {
    return await answerWithin(LIST_DEADLINE_MS, read);
  } catch (error) {
    return unavailable(where, error);
  }
}

const isUnavailable = (value: unknown): value is Unavailable =>
  typeof value === 'object' && value !== null && 'message' in value && 'where' in value;

/** A local run as the mixed list shows it. */
function fromLocal<T extends RunSummaryView>(run: T): T {
  return { ...run, id: LOCAL + run.id, workflowId: LOCAL + run.workflowId, local: true };
}

export class MixedBackend implements UiBackend {
  readonly where: string;

  constructor(
    private readonly local: UiBackend,
    private readonly cluster: UiBackend,
  ) {
    this.where = `${local.where} and ${cluster.where}`;
  }

  /** The backend an id of the page belongs to, and the id that backend knows it by. */
  private route(id: string): { backend: UiBackend; id: string; isLocal: boolean } {
    return id.startsWith(LOCAL)
      ? { backend: this.local, id: id.slice(LOCAL.length), isLocal: true }
      : { backend: this.cluster, id, isLocal: false };
  }

  /** What an action answered; a run it started (a local retry) is named as the page knows it. */
  private async act(id: string, action: (backend: UiBackend, id: string) => Promise<ActionResult>) {
    const to = this.route(id);
    const result = await action(to.backend, to.id);
    return to.isLocal && result.run !== undefined ? { ...result, run: LOCAL + result.run } : result;
  }

  /** Both sides' lists; one that fails is told, not thrown, unless both do. */
  private async both<T extends { unavailable?: readonly Unavailable[] }>(
    read: (backend: UiBackend) => Promise<T>,
  ): Promise<{ local?: T; cluster?: T; unavailable: Unavailable[] }> {
    const [local, cluster] = await Promise.all([
      settle(this.local.where, () => read(this.local)),
      settle(this.cluster.where, () => read(this.cluster)),
    ]);
    const unavailable = [local, cluster].flatMap((side) =>
      isUnavailable(side) ? [side] : [...(side.unavailable ?? [])],
    );
    if (isUnavailable(local) && isUnavailable(cluster))
      throw new Error(unavailable.map((u) => `${u.where}: ${u.message}`).join('; '));
    return {
      ...(isUnavailable(local) ? {} : { local }),
      ...(isUnavailable(cluster) ? {} : { cluster }),
      unavailable,
    };
  }

  async listRuns(): Promise<RunList> {
    const { local, cluster, unavailable } = await this.both((backend) => backend.listRuns());
    return {
      runs: sortRuns([...(local?.runs ?? []).map(fromLocal), ...(cluster?.runs ?? [])]),
      ...(unavailable.length ? { unavailable } : {}),
    };
  }

  async getRun(id: string): Promise<RunView | undefined> {
    const to = this.route(id);
    const run = await to.backend.getRun(to.id);
    return run && to.isLocal ? fromLocal(run) : run;
  }

  followLogs(id: string, step: string, write: (text: string) => void, signal: AbortSignal): Promise<void> {
    const to = this.route(id);
    return to.backend.followLogs(to.id, step, write, signal);
  }

  approve(id: string, step: string, decision: 'approved' | 'rejected', comment: string) {
    return this.act(id, (backend, own) => backend.approve(own, step, decision, comment));
  }

  cancel(id: string) {
    return this.act(id, (backend, own) => backend.cancel(own));
  }

  resume(id: string) {
    return this.act(id, (backend, own) => backend.resume(own));
  }

  rollback(id: string) {
    return this.act(id, (backend, own) => backend.rollback(own));
  }

  retry(id: string) {
    return this.act(id, (backend, own) => backend.retry(own));
  }

  async listWorkflows(): Promise<WorkflowList> {
    const { local, cluster, unavailable } = await this.both((backend) => backend.listWorkflows());
    const localWorkflows = (local?.workflows ?? []).map((w): WorkflowSummaryView => ({
      ...w,
      id: LOCAL + (w.id ?? w.name),
      local: true,
    }));
    return {
      workflows: [...(cluster?.workflows ?? []), ...localWorkflows].sort(
        (a, b) => a.name.localeCompare(b.name) || Number(a.local ?? false) - Number(b.local ?? false),
      ),
      ...(unavailable.length ? { unavailable } : {}),
    };
  }

  async getWorkflow(id: string): Promise<WorkflowView | undefined> {
    const to = this.route(id);
    const workflow = await to.backend.getWorkflow(to.id);
    return workflow && to.isLocal ? { ...workflow, runs: workflow.runs.map(fromLocal) } : workflow;
  }

  watch(onChange: (runs: readonly string[]) => void): () => void {
    const stopLocal = this.local.watch((runs) => onChange(runs.map((id) => LOCAL + id)));
    const stopCluster = this.cluster.watch(onChange);
    return () => {
      stopLocal();
      stopCluster();
    };
  }
}
