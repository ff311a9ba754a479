// The operator process: informers on Workflows, WorkflowRuns and the Jobs and Pods of runs, one
// work queue, the two reconcilers, leader election (only the leader reconciles), the metrics and
// health server, and an orderly shutdown on SIGTERM.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { JobDefaults } from '../executors/kubernetes/job-manifest.ts';
import { pinnedWorkflowName } from '../executors/kubernetes/names.ts';
import { API_VERSION, involvedWorkflow, KINDS, LABELS, PLURALS } from '../spec/crd/identity.ts';
import type { Plan } from '../engine/types.ts';
import { createEventSink, EventRecorder } from '../observability/events.ts';
import type { Logger } from '../observability/logger.ts';
import type { NotificationsConfig } from '../observability/notifications/config.ts';
import { createControllerMetrics } from '../observability/metrics.ts';
import type { ControllerMetrics } from '../observability/metrics.ts';
import type { EventVolume } from './event-volume.ts';
import { KubeRunApi } from './kube-run-api.ts';
import { RECONCILE_ERROR, RepeatedErrors, STALL_AFTER_FAILURES, stalledByError } from './repeated-errors.ts';
import type { Reconciled } from './repeated-errors.ts';
import { reconcileRun } from './reconcile-run.ts';
import type { ReconcileContext } from './reconcile-run.ts';
import { loadWorkflowSpec, reconcileWorkflow } from './reconcile-workflow.ts';
import type { LoadResult } from '../spec/load.ts';
import { RunObserver } from './run-observer.ts';
import {
  FINISHED_RUN_PHASES,
  finishedRunsSelector,
  RunCaches,
  UNFINISHED_RUNS_SELECTOR,
} from './run-caches.ts';
import { isSettledRun, settledRunView } from './finished-run.ts';
import { jobChangeMatters, podChangeMatters } from './run-wakes.ts';
import type { WorkflowObject, WorkflowRunObject } from './resources.ts';
import { ConflictError } from './run-api.ts';
import {
  informersLiveCheck,
  informersCurrentCheck,
  leaderLiveCheck,
  leaderReadyCheck,
} from '../kube/health-checks.ts';
import { OperatorHttpServer } from '../kube/http-server.ts';
import { statusCodeOf } from '../kube/api-error.ts';
import { backoffDelay } from '../kube/backoff.ts';
import { sleepOn, systemClock } from '../kube/clock.ts';
import { createInformer } from '../kube/informer.ts';
import { collectionPath } from '../kube/kube-list-watch.ts';
import { openKubeGet } from '../kube/kube-request.ts';
import type { Informer } from '../kube/informer.ts';
import { InformerSet } from '../kube/informer-set.ts';
import type { CacheSource } from '../kube/informer-set.ts';
import type { CacheChange } from '../kube/object-cache.ts';
import { LeaderElector } from '../kube/leader-election.ts';
import { createLeaseStore } from '../kube/lease-store.ts';
import { WorkQueue } from '../kube/work-queue.ts';
import type { WorkOutcome } from '../kube/work-queue.ts';

export interface ControllerOptions {
  readonly kc: KubeConfig;
  /** Watch these namespaces; all namespaces when undefined or empty. */
  readonly namespaces?: readonly string[];
  readonly concurrency: number;
  readonly leaderElection?: { readonly namespace: string; readonly name: string; readonly identity?: string };
  readonly port: number;
  readonly jobDefaults: JobDefaults;
  /** Which engine events become Kubernetes Events on runs (default notable). */
  readonly eventVolume?: EventVolume;
  readonly logger: Logger;
  /**
   * The user name the controller authenticates as, recorded as the creator of the runs schedules
   * start; asked of the API server (SelfSubjectReview) when not given.
   */
  readonly identity?: string;
  /** Channels and delivery settings for workflows' `notifications`; none are sent without. */
  readonly notifications?: NotificationsConfig;
}

type Watch = (
  name: string,
  path: string,
  labelSelector?: string,
  fieldSelector?: string,
) => CacheSource<KubernetesObject>;

/** A conflict means our copy was stale; the informer will have the new one shortly. */
const CONFLICT_RETRY_MS = 200;
const MAX_SCHEDULE_WAIT_MS = 60 * 60 * 1000;
/** How often a run that waits for the finished runs to be cached (resumeFrom) looks again. */
const RUNS_LISTED_RETRY_MS = 250;
/** The finished runs are listed after the first reconciles, or at the latest this long after the rest. */
const FINISHED_RUNS_WAIT_MAX_MS = 5_000;
/**
 * After a cache catches up, everything is looked at again once all caches are current: reconciles
 * that failed during the outage would otherwise wait out their per-key backoff. The short pause lets
 * a reconnect that is followed at once by a relist (410 after an API server restart) settle first.
 */
const RECOVERY_SETTLE_MS = 500;

export class Controller {
  private readonly metrics: ControllerMetrics;
  private readonly informers: {
    workflows: CacheSource<KubernetesObject>;
    runs: RunCaches;
    jobs: CacheSource<KubernetesObject>;
    pods: CacheSource<KubernetesObject>;
    podFailures: CacheSource<KubernetesObject>;
  };
  private readonly queue: WorkQueue;
  private readonly api: KubeRunApi;
  private readonly events: EventRecorder;
  private readonly elector?: LeaderElector;
  private readonly server: OperatorHttpServer;
  private readonly plans = new Map<string, Plan>();
  private readonly reconcileErrors = new RepeatedErrors();
  /**
   * Each Workflow's checked spec by uid, for its generation: a Workflow with schedules is reconciled
   * at every fire time and whenever one of its runs starts or ends, while its spec rarely changes.
   */
  private readonly specs = new Map<string, { generation?: number; loaded: LoadResult }>();
  private readonly observer: RunObserver;
  private readonly log: Logger;
  private identity?: string;
  private recoveryTimer: NodeJS.Timeout | undefined;
  /** Resolves once start() has let the queue work (or handed it to leader election). */
  private readonly started: Promise<void>;
  private markStarted!: () => void;

  constructor(private readonly options: ControllerOptions) {
    const { kc, logger } = options;
    this.started = new Promise((resolve) => (this.markStarted = resolve));
    this.log = logger;
    this.metrics = createControllerMetrics();
    this.informers = this.createInformers();
    this.events = new EventRecorder({
      sink: createEventSink(kc),
      component: 'conveyor-controller',
      logger,
      onError: (_error, verb) => this.metrics.apiErrors.inc({ verb, resource: 'events', code: 'error' }),
    });
    this.api = new KubeRunApi({ kc, ...this.informers, events: this.events, metrics: this.metrics });
    this.observer = new RunObserver({
      registry: this.metrics.registry,
      notifications: options.notifications,
      requeue: (namespace, name) => this.queue.add(`run/${namespace}/${name}`),
      workflowEvent: (namespace, name, reason, message) => {
        const metadata = this.informers.workflows.get(namespace, name)?.metadata ?? { name, namespace };
        void this.events.warning(involvedWorkflow(metadata), reason, message);
      },
      logger,
    });
    this.queue = this.createQueue();
    this.elector = this.createElector();
    const all = Object.values(this.informers);
    this.server = new OperatorHttpServer({
      port: options.port,
      registry: this.metrics.registry,
      logger,
      liveness: [informersLiveCheck(all), ...(this.elector ? [leaderLiveCheck(this.elector)] : [])],
      readiness: [informersCurrentCheck(all), ...(this.elector ? [leaderReadyCheck(this.elector)] : [])],
    });
    this.wire();
  }

  /** Informers on Workflows and runs, and on the Jobs, pods and pod-creation failures of runs. */
  private createInformers(): Controller['informers'] {
    const { kc, logger } = this.options;
    const informerOptions = (name: string) => ({
      name,
      logger,
      // The controller reads a Job's or pod's metadata and status, never its spec (the pod template
      // alone is most of a Job): not keeping specs makes the cache of thousands of them much smaller.
      transform:
        name === 'jobs'
          ? jobCacheForm
          : name === 'pods'
            ? withoutSpec
            : name.startsWith(PLURALS.run)
              ? (o: KubernetesObject) => this.cachedRun(o)
              : withoutManagedFields,
      onWatchRestart: (reason: string) => this.metrics.watchRestarts.inc({ resource: name, reason }),
      onRelist: () => this.metrics.relists.inc({ resource: name }),
      onRecover: () => this.afterRecovery(),
    });
    const ours = `${LABELS.run}`;
    const scopes = this.options.namespaces?.length ? [...this.options.namespaces] : [undefined];
    const watch: Watch = (name, path, labelSelector, fieldSelector) => {
      const each = new Map(
        scopes.map((ns) => [
          ns ?? '',
          createInformer<KubernetesObject>(
            kc,
            { path, namespace: ns, labelSelector, fieldSelector },
            informerOptions(name),
          ),
        ]),
      );
      return scopes[0] === undefined
        ? (each.get('') as Informer<KubernetesObject>)
        : new InformerSet(name, each);
    };
    return {
      workflows: watch(PLURALS.workflow, `/apis/${API_VERSION}/${PLURALS.workflow}`),
      runs: this.createRunCaches(watch, scopes[0]),
      jobs: watch('jobs', '/apis/batch/v1/jobs', ours),
      pods: watch('pods', '/api/v1/pods', ours),
      // The Job controller's word on pods it could not create (a ResourceQuota, a LimitRange, a
      // policy): only such Events are watched, so the cache stays small.
      podFailures: watch(
        'events',
        '/api/v1/events',
        undefined,
        'involvedObject.kind=Job,reason=FailedCreate',
      ),
    };
  }

  /** Runs in two halves by phase, unfinished ones first (run-caches.ts). */
  private createRunCaches(watch: Watch, firstScope: string | undefined): RunCaches {
    const { kc, logger } = this.options;
    const runsPath = `/apis/${API_VERSION}/${PLURALS.run}`;
    const runs = new RunCaches({
      split: {
        unfinished: watch(PLURALS.run, runsPath, undefined, UNFINISHED_RUNS_SELECTOR),
        finished: FINISHED_RUN_PHASES.map((phase) =>
          watch(`${PLURALS.run}-${phase.toLowerCase()}`, runsPath, undefined, finishedRunsSelector(phase)),
        ),
      },
      whole: watch(PLURALS.run, runsPath),
      // A finished run that notifications still report on is reconciled like any other: one cache.
      canSplit: async (signal) =>
        !this.observer.followsFinishedRuns &&
        canSelectRunsByPhase(kc, collectionPath(runsPath, firstScope), signal, logger),
      finishedAfter: async (signal) => this.firstReconcilesDone(signal),
    });
    // Workflow keys wait for every run (process()); each is looked at once all are in.
    runs.onComplete = () => {
      this.log.info('every run cached, finished ones included');
      for (const key of this.informers.workflows.keys()) this.queue.add(`workflow/${key}`);
    };
    return runs;
  }

  private createQueue(): WorkQueue {
    const queue = new WorkQueue((key) => this.process(key), {
      concurrency: this.options.concurrency,
      // Nothing is reconciled before the caches it reads are synced (start()): change events of a
      // cache that synced first only collect keys until then.
      paused: true,
      logger: this.log,
      onError: (key, error, retryInMs) =>
        this.log.warn({ key, err: error, retryInMs }, 'reconcile failed; it will be retried'),
    });
    this.metrics.trackQueueDepth('workflowruns', () => queue.depth);
    this.metrics.trackRunPhases(() => {
      const counts: Record<string, number> = {};
      for (const o of this.informers.runs.list() as unknown as WorkflowRunObject[]) {
        const phase = String((o.status as { phase?: string } | undefined)?.phase ?? 'Pending');
        counts[phase] = (counts[phase] ?? 0) + 1;
      }
      return counts;
    });
    return queue;
  }

  /** Only the leader reconciles, when there may be several replicas. */
  private createElector(): LeaderElector | undefined {
    const le = this.options.leaderElection;
    if (!le) return undefined;
    return new LeaderElector({
      store: createLeaseStore(this.options.kc, { namespace: le.namespace, name: le.name }),
      identity: le.identity,
      logger: this.log,
      onStartedLeading: () => {
        this.log.info('became leader: reconciling');
        this.metrics.isLeader.set(1);
        this.enqueueAll();
        this.queue.resume();
      },
      onStoppedLeading: () => {
        this.log.warn('stopped leading: no longer reconciling');
        this.metrics.isLeader.set(0);
        this.queue.pause();
      },
    });
  }

  async start(): Promise<{ port: number }> {
    const address = await this.server.listen();
    for (const informer of Object.values(this.informers)) informer.start();
    await Promise.all(Object.values(this.informers).map((i) => i.waitForSync()));
    this.log.info({ namespaces: this.options.namespaces?.join(',') || '(all)' }, 'caches synced');
    if (this.elector) this.elector.start();
    else {
      this.metrics.isLeader.set(1);
      this.enqueueAll();
      this.queue.resume();
    }
    this.markStarted();
    return { port: address.port };
  }

  /**
   * Resolves once the work queued at start is done (the queue idle for the first time), or after
   * FINISHED_RUNS_WAIT_MAX_MS if it never is (many runs that keep it busy), or on `signal`.
   */
  private async firstReconcilesDone(signal: AbortSignal): Promise<void> {
    const sleep = sleepOn(systemClock);
    const waitMore = new AbortController();
    const stop = () => waitMore.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      await Promise.race([
        this.started.then(async () => this.queue.onIdle()),
        sleep(FINISHED_RUNS_WAIT_MAX_MS, waitMore.signal),
      ]);
    } finally {
      waitMore.abort();
      signal.removeEventListener('abort', stop);
    }
  }

  /** Stop taking work, finish what is in flight, release the lease, stop watching. */
  async stop(): Promise<void> {
    clearTimeout(this.recoveryTimer);
    await this.queue.shutDown();
    await this.elector?.stop();
    await Promise.all(Object.values(this.informers).map((i) => i.stop()));
    await this.observer.stop();
    await this.events.flush();
    await this.server.close();
  }

  private wire(): void {
    this.informers.runs.on('change', (c) => {
      const meta = c.object.metadata;
      if (c.type === 'deleted') {
        this.plans.delete(meta?.uid ?? '');
        this.reconcileErrors.succeeded(`run/${meta?.namespace}/${meta?.name}`);
        this.observer.forget(meta?.uid ?? '');
        this.api.forgetConfigMap(meta?.namespace ?? '', pinnedWorkflowName(meta?.name ?? ''));
      } else if (!this.leavesAlone(c.object)) this.queue.add(`run/${meta?.namespace}/${meta?.name}`);
      // A scheduled run that starts, ends or goes away changes its schedule's active runs (which
      // `Forbid` and `Replace` look at); a run that finishes brings its Workflow breakers, a last
      // run and perhaps history to prune. Its other status changes do not concern the Workflow.
      const workflow = (c.object as unknown as WorkflowRunObject).spec?.workflowRef?.name;
      const scheduled = meta?.labels?.[LABELS.schedule] !== undefined;
      if (workflow && phaseChanged(c) && (scheduled || isFinished(c.object)))
        this.queue.add(`workflow/${meta?.namespace}/${workflow}`);
    });
    this.informers.workflows.on('change', (c) => {
      if (c.type === 'deleted') {
        this.specs.delete(c.object.metadata?.uid ?? '');
        this.reconcileErrors.succeeded(`workflow/${c.object.metadata?.namespace}/${c.object.metadata?.name}`);
      } else this.queue.add(`workflow/${c.object.metadata?.namespace}/${c.object.metadata?.name}`);
    });
    // Jobs and pods wake their run; pods matter for exit codes, which a pod reports after its Job fails.
    const wakeOwnerRun = (c: { object: KubernetesObject }): void => {
      const meta = c.object.metadata;
      // The owner reference holds the exact name; the label may be a hashed form of a long one.
      const run =
        meta?.ownerReferences?.find((r) => r.kind === KINDS.run)?.name ?? meta?.labels?.[LABELS.run];
      if (run && meta?.namespace) this.queue.add(`run/${meta.namespace}/${run}`);
    };
    this.informers.jobs.on('change', (c) => {
      if (jobChangeMatters(c)) wakeOwnerRun(c);
    });
    // A pod's owner is its Job, and its run label may be a hashed long name: its Job knows the run.
    // A step ends when its pod does (job-observations.ts), so this wake must find the run.
    this.informers.pods.on('change', (c) => {
      if (!podChangeMatters(c)) return;
      const meta = c.object.metadata;
      const jobName = meta?.labels?.['batch.kubernetes.io/job-name'] ?? meta?.labels?.['job-name'];
      const job = jobName ? this.informers.jobs.get(meta?.namespace, jobName) : undefined;
      wakeOwnerRun({ object: job ?? c.object });
    });
    // A Job whose pod was refused: its run says why at once rather than at its next look.
    this.informers.podFailures.on('change', (c) => {
      const involved = (c.object as { involvedObject?: { name?: string; namespace?: string } })
        .involvedObject;
      const job = involved?.name ? this.informers.jobs.get(involved.namespace, involved.name) : undefined;
      if (job && c.type !== 'deleted') wakeOwnerRun({ object: job });
    });
  }

  /** Once every cache is current again after an outage, look at everything again. */
  private afterRecovery(): void {
    if (this.recoveryTimer) return;
    this.recoveryTimer = setTimeout(() => {
      this.recoveryTimer = undefined;
      const caches = Object.values(this.informers);
      // The last cache to catch up schedules this again.
      if (!caches.every((i) => i.isCurrent)) return;
      this.log.info('caches current again after losing the API server: reconciling everything');
      this.enqueueAll();
    }, RECOVERY_SETTLE_MS);
    this.recoveryTimer.unref();
  }

  private enqueueAll(): void {
    for (const run of this.informers.runs.list())
      if (!this.leavesAlone(run)) this.queue.add(`run/${run.metadata?.namespace}/${run.metadata?.name}`);
    for (const key of this.informers.workflows.keys()) this.queue.add(`workflow/${key}`);
  }

  /**
   * A settled run (finished-run.ts) is neither queued nor kept whole in the cache: at start-up with
   * thousands of finished runs, only the runs that need work are reconciled, and a finished run costs
   * little memory. Not while notifications may still record their results in a finished run's status.
   */
  private leavesAlone(run: KubernetesObject): boolean {
    return !this.observer.followsFinishedRuns && isSettledRun(run as unknown as WorkflowRunObject);
  }

  private cachedRun(object: KubernetesObject): KubernetesObject {
    const run = withoutManagedFields(object) as unknown as WorkflowRunObject;
    return (this.observer.followsFinishedRuns ? run : settledRunView(run)) as unknown as KubernetesObject;
  }

  private async process(key: string): Promise<WorkOutcome> {
    const [kind, namespace, name] = key.split('/') as [string, string, string];
    // A Workflow reads all its runs (its last one, its history limits, its schedules' runs): it waits
    // until the finished ones are cached too, and RunCaches.onComplete queues every Workflow then.
    if (kind === 'workflow' && !this.informers.runs.complete) return undefined;
    const done = this.metrics.startReconcileTimer(kind === 'run' ? 'workflowrun' : 'workflow');
    try {
      const outcome =
        kind === 'run'
          ? await this.reconcileRunKey(namespace, name)
          : await this.reconcileWorkflowKey(namespace, name);
      this.reconcileErrors.succeeded(key);
      done(outcome?.requeueAfterMs !== undefined ? 'requeue' : 'success');
      return outcome;
    } catch (error) {
      if (error instanceof ConflictError) {
        done('requeue');
        return { requeueAfterMs: CONFLICT_RETRY_MS };
      }
      done('error');
      if (kind === 'run' || kind === 'workflow')
        await this.stallIfRepeating(kind, key, namespace, name, error);
      throw error;
    }
  }

  /** See repeated-errors.ts: the error becomes the object's Stalled condition after a few tries. */
  private async stallIfRepeating(
    kind: 'run' | 'workflow',
    key: string,
    namespace: string,
    name: string,
    error: unknown,
  ): Promise<void> {
    const object = (kind === 'run' ? this.informers.runs : this.informers.workflows).get(namespace, name) as
      (Reconciled & { metadata: WorkflowRunObject['metadata'] }) | undefined;
    if (!object) return;
    const failures = this.reconcileErrors.failed(key, object.metadata?.generation);
    if (failures < STALL_AFTER_FAILURES) return;
    const patch = stalledByError(object, error, failures, new Date());
    if (!patch) return;
    const message = String((patch.conditions as { message: string }[])[0]?.message);
    try {
      if (kind === 'workflow') {
        await this.api.patchWorkflowStatus(namespace, name, patch);
        const involved = involvedWorkflow(object.metadata);
        void this.events.warning(involved as never, RECONCILE_ERROR, message);
        return;
      }
      const run = object as unknown as WorkflowRunObject;
      await this.api.patchRunStatus(run, patch);
      this.api.recordEvent(run, 'Warning', RECONCILE_ERROR, message);
    } catch (writeError) {
      // The API server may be what fails; the next failure tries again.
      this.log.warn(
        { [kind]: name, namespace, err: writeError },
        `cannot mark the ${kind} stalled by its reconcile errors`,
      );
    }
  }

  private async reconcileRunKey(namespace: string, name: string): Promise<WorkOutcome> {
    const run = this.informers.runs.get(namespace, name) as unknown as WorkflowRunObject | undefined;
    if (!run) return undefined;
    // A new run that resumes from another reads that run, likely a finished one: not before every
    // run is cached, or a source still being listed would read as missing.
    if (run.spec?.resumeFrom && !this.informers.runs.complete)
      return { requeueAfterMs: RUNS_LISTED_RETRY_MS };
    const log = this.log.child({ run: name, namespace });
    const ctx: ReconcileContext = {
      api: this.api,
      now: () => Date.now(),
      jobDefaults: this.options.jobDefaults,
      ...(this.options.eventVolume ? { eventVolume: this.options.eventVolume } : {}),
      plans: this.plans,
      observer: this.observer,
    };
    const outcome = await reconcileRun(ctx, run);
    for (const action of outcome.actions) {
      if (action.kind === 'startAttempt') {
        this.metrics.stepAttempts.inc({ phase: 'Started' });
        if (action.attempt > 1 && action.purpose === 'main') this.metrics.retries.inc();
        log.info(
          { step: action.step, attempt: action.attempt, purpose: action.purpose },
          'starting step attempt',
        );
      } else if (action.kind === 'event') {
        log.info({ step: action.step, event: action.type }, action.message);
      }
    }
    if (outcome.finished) {
      const { state, workflow } = outcome.finished;
      // Its pinned workflow is not needed again unless its spec changes (a rollback); reconcileRun
      // drops its plan.
      if (!this.observer.followsFinishedRuns) this.api.forgetConfigMap(namespace, pinnedWorkflowName(name));
      if (state.startedAt !== undefined && state.finishedAt !== undefined) {
        this.metrics.runDuration.observe({ phase: state.phase }, (state.finishedAt - state.startedAt) / 1000);
      }
      for (const s of state.steps) {
        if (s.startedAt !== undefined && s.finishedAt !== undefined && s.history.length > 0) {
          this.metrics.stepDuration.observe({ phase: s.phase }, (s.finishedAt - s.startedAt) / 1000);
        }
      }
      // Its breakers and last run go to its Workflow under the Workflow's own key (reconcile-workflow.ts).
      log.info({ phase: state.phase, workflow }, 'run finished');
    }
    return outcome.requeueAfterMs !== undefined
      ? { requeueAfterMs: Math.max(50, outcome.requeueAfterMs) }
      : undefined;
  }

  private async reconcileWorkflowKey(namespace: string, name: string): Promise<WorkOutcome> {
    const workflow = this.informers.workflows.get(namespace, name) as unknown as WorkflowObject | undefined;
    if (!workflow) return undefined;
    const now = Date.now();
    const runs = this.informers.runs.list(namespace) as unknown as WorkflowRunObject[];
    const hasSchedules = Array.isArray(workflow.spec?.schedules) && workflow.spec.schedules.length > 0;
    const createdBy = hasSchedules ? await this.ownIdentity() : '';
    const result = reconcileWorkflow(workflow, runs, now, createdBy, this.checkedSpec(workflow));
    const involved = involvedWorkflow(workflow.metadata);
    // Replaced runs go first, and every run is created before status records its fire time: a crash
    // in between leaves a run whose name the next attempt finds (AlreadyExists), never a lost fire.
    for (const doomed of result.remove) {
      this.log.info({ workflow: name, namespace, run: doomed }, 'deleting a run its schedule replaces');
      await this.api.deleteRun(namespace, doomed);
    }
    for (const run of result.create) {
      const runName = (run.metadata as { name: string }).name;
      const outcome = await this.api.createRun(run);
      if (outcome.kind === 'refused') {
        void this.events.record(
          involved as never,
          'Warning',
          'ScheduledRunRefused',
          `${runName}: ${outcome.message}`,
        );
        throw new Error(`cannot create scheduled run ${namespace}/${runName}: ${outcome.message}`);
      }
      this.log.info({ workflow: name, namespace, run: runName, outcome: outcome.kind }, 'scheduled run');
    }
    for (const e of result.events) void this.events.record(involved as never, e.type, e.reason, e.message);
    if (result.status) await this.api.patchWorkflowStatus(namespace, name, result.status);
    // After the status write, which records the last run even when it is the one deleted here.
    for (const doomed of result.prune) {
      this.log.info(
        { run: doomed, workflow: name, namespace },
        'deleting a finished run past the history limit',
      );
      await this.api.deleteRun(namespace, doomed);
    }
    // A little past the fire time, so that the latest fire time at or before "now" is that one; at
    // most an hour away (timers past 24.8 days fire at once, and clocks get adjusted).
    return result.wakeAt !== undefined
      ? { requeueAfterMs: Math.min(MAX_SCHEDULE_WAIT_MS, Math.max(50, result.wakeAt - Date.now() + 20)) }
      : undefined;
  }

  private checkedSpec(workflow: WorkflowObject): LoadResult {
    const { uid, generation } = workflow.metadata;
    const known = this.specs.get(uid);
    if (known && known.generation === generation) return known.loaded;
    const loaded = loadWorkflowSpec(workflow);
    this.specs.set(uid, { generation, loaded });
    return loaded;
  }

  private async ownIdentity(): Promise<string> {
    this.identity ??= this.options.identity ?? (await this.api.whoami());
    return this.identity;
  }
}

/**
 * Whether the API server selects runs by status.phase (the CRD's selectableFields, Kubernetes 1.31+):
 * one request, answered 400 where it cannot. Other failures are retried, as an informer would.
 */
async function canSelectRunsByPhase(
  kc: KubeConfig,
  path: string,
  signal: AbortSignal,
  log: Logger,
): Promise<boolean> {
  const sleep = sleepOn(systemClock);
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await openKubeGet(kc, {
        path,
        query: { limit: 1, fieldSelector: finishedRunsSelector('Succeeded') },
        signal,
      });
      res.resume();
      return true;
    } catch (error) {
      if (statusCodeOf(error) === 400) {
        log.info({ err: error }, 'the API server cannot select runs by phase: one cache of every run');
        return false;
      }
      if (signal.aborted) throw error;
      const delayMs = backoffDelay(attempt, { initialMs: 500, maxMs: 10_000, factor: 2, jitter: 0.5 });
      log.warn({ err: error, delayMs }, 'cannot list runs yet; trying again');
      await sleep(delayMs, signal);
    }
  }
}

const phaseOf = (o: KubernetesObject): string | undefined =>
  (o as { status?: { phase?: string } }).status?.phase;

function phaseChanged(c: CacheChange<KubernetesObject>): boolean {
  return c.type !== 'updated' || phaseOf(c.object) !== phaseOf(c.old);
}

function isFinished(run: KubernetesObject): boolean {
  return ['Succeeded', 'Failed', 'Cancelled'].includes(phaseOf(run) ?? '');
}

/** Metadata and status only (and no managedFields): what is cached of Jobs and pods. */
function withoutSpec(object: KubernetesObject): KubernetesObject {
  const { spec: _spec, ...rest } = withoutManagedFields(object) as KubernetesObject & { spec?: unknown };
  return rest;
}

/** A Job without its pod template: who manages it and its deadline are all the controller reads. */
function jobCacheForm(object: KubernetesObject): KubernetesObject {
  const spec = (object as { spec?: { managedBy?: string; activeDeadlineSeconds?: number } }).spec;
  const kept = {
    ...(spec?.managedBy !== undefined ? { managedBy: spec.managedBy } : {}),
    ...(spec?.activeDeadlineSeconds !== undefined
      ? { activeDeadlineSeconds: spec.activeDeadlineSeconds }
      : {}),
  };
  return { ...withoutSpec(object), spec: kept } as KubernetesObject;
}

/** Nothing here reads managedFields, and they are often the largest part of an object's metadata. */
function withoutManagedFields(object: KubernetesObject): KubernetesObject {
  if (!object.metadata?.managedFields) return object;
  const { managedFields: _dropped, ...metadata } = object.metadata;
  return { ...object, metadata };
}
