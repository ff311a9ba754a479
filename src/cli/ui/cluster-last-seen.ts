// What `conveyor ui` can still show of a cluster it cannot read: the runs as its watch last saw them
// (each marked stale, since when and why), the workflows as last listed (their pages too), and each opened run's
// workflow text and Events as last read. Reads of the cluster go through `read`, which gives up in
// time once the watch has something to show instead: a host that takes connections and never
// answers would otherwise hold the page.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { WorkflowObject, WorkflowRunObject } from '../../controller/resources.ts';
import type { Informer } from '../../kube/informer.ts';
import type { Unavailable, WorkflowSummaryView } from './backend.ts';
import type { EventView, StaleView } from './run-view.ts';
import { answerWithin } from './answer-within.ts';
import { unavailable } from './unavailable.ts';

/** How long a read waits while the watch has lost the API server. */
const LOST_READ_DEADLINE_MS = 3_000;
/** The same while the watch has noticed nothing: a connection that went silent without being
 *  closed (a host gone, its TCP connections half-open) shows only when the watchdog barks, minutes
 *  later. Under the mixed list's own deadline (mixed-backend.ts), so that the runs stay listed. */
const QUIET_READ_DEADLINE_MS = 15_000;

/** A page as last read: its workflow's text and its Events. */
export interface PageAsRead {
  readonly text: string | undefined;
  readonly events: EventView[];
}

export interface SeenRuns {
  readonly runs: WorkflowRunObject[];
  readonly stale: StaleView;
  readonly unavailable: Unavailable;
}

export class ClusterLastSeen {
  /** The watch's informer while a watch runs: its cache holds the runs as last seen. */
  informer: Informer<KubernetesObject> | undefined;
  /** The workflows as last listed, shown (with why) while they cannot be listed. */
  workflows: WorkflowSummaryView[] | undefined;
  /** Each Workflow as last read (listed or shown), by id, for its page as last seen. */
  readonly workflowObjects = new Map<string, WorkflowObject>();
  /** Of each run whose page was shown, by id: what it showed, for its page as last seen. */
  readonly pages = new Map<string, PageAsRead>();
  /** When reads of the cluster began to fail, for as long as they do (its watch may not know yet). */
  private failingSince: number | undefined;

  constructor(private readonly where: string) {}

  /** Whether the watch has runs to show when a read fails. */
  get watched(): boolean {
    return this.informer?.hasSynced === true;
  }

  /** The API server's refusal, while it lets the user list runs but refuses to watch them: the
   *  list is then as read when the page drew it, and nothing tells the page of later changes. */
  get watchRefused(): string | undefined {
    const stats = this.informer?.stats();
    return stats?.hasSynced && !stats.current && stats.lastErrorStatus === 403 ? stats.lastError : undefined;
  }

  /** A read of the cluster that, once the watch has runs to show instead, fails when it gets no
   *  answer in time: soon while the watch has lost contact, later while it has not noticed. */
  async read<T>(fn: () => Promise<T>): Promise<T> {
    const answer = await this.withinDeadline(fn);
    this.failingSince = undefined;
    return answer;
  }

  private withinDeadline<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.informer?.hasSynced) return fn();
    return answerWithin(this.informer.isCurrent ? QUIET_READ_DEADLINE_MS : LOST_READ_DEADLINE_MS, fn);
  }

  /** What a read that failed with `error` can still show: the watch's runs as last seen, since when
   *  and why they are not current; undefined when the watch never had them. */
  after(error: unknown): SeenRuns | undefined {
    if (!this.informer?.hasSynced) return undefined;
    this.failingSince ??= Date.now();
    const lastSeenAt = this.informer.stats().staleSince ?? this.failingSince;
    const told = unavailable(this.where, error, lastSeenAt);
    return {
      runs: this.informer.list() as WorkflowRunObject[],
      stale: { lastSeenAt, message: told.message },
      unavailable: told,
    };
  }
}
