// The controller's Prometheus metrics in one registry: runs and steps (phases, durations, retries)
// and the controller itself (queue depth, reconcile latency, API errors, watch restarts, relists).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** WorkflowRun phases, so that the runs-by-phase gauge reports every phase, zeros included. */
export const RUN_PHASES = [
  'Pending',
  'Running',
  'AwaitingApproval',
  'Succeeded',
  'Failed',
  'Cancelled',
] as const;

export type ReconcileResult = 'success' | 'error' | 'requeue';

export interface ControllerMetrics {
  readonly registry: Registry;
  readonly runsByPhase: Gauge<'phase'>;
  readonly stepAttempts: Counter<'phase'>;
  readonly runDuration: Histogram<'phase'>;
  readonly stepDuration: Histogram<'phase'>;
  readonly retries: Counter;
  readonly queueDepth: Gauge<'queue'>;
  readonly reconcileDuration: Histogram<'controller' | 'result'>;
  readonly apiErrors: Counter<'verb' | 'resource' | 'code'>;
  readonly watchRestarts: Counter<'resource' | 'reason'>;
  readonly relists: Counter<'resource'>;
  readonly isLeader: Gauge;
  /**
   * Reports runs by phase from `counts()` at every scrape (counting then, not at every reconcile,
   * keeps reconciles O(1) in the number of runs); a phase missing from the counts reads 0.
   */
  trackRunPhases(counts: () => Readonly<Record<string, number>>): void;
  /** Reports `depth()` as the queue's depth at every scrape. */
  trackQueueDepth(queue: string, depth: () => number): void;
  /** Starts timing one reconcile; call the result with how it ended. */
  startReconcileTimer(controller: string): (result: ReconcileResult) => void;
}

export interface MetricsOptions {
  registry?: Registry;
  /** Also export Node.js process metrics (CPU, memory, event loop lag, GC). Default true. */
  processMetrics?: boolean;
}

const RUN_SECONDS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600];
const STEP_SECONDS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const RECONCILE_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createControllerMetrics(options: MetricsOptions = {}): ControllerMetrics {
  const registry = options.registry ?? new Registry();
  const registers = [registry];
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'conveyor_' });

  const queueSources = new Map<string, () => number>();
  const queueDepth = new Gauge({
    name: 'conveyor_workqueue_depth',
    help: 'Keys waiting in a controller work queue.',
    labelNames: ['queue'] as const,
    registers,
    collect() {
      for (const [queue, depth] of queueSources) this.set({ queue }, depth());
    },
  });
  let phaseCounts: (() => Readonly<Record<string, number>>) | undefined;
  const runsByPhase = new Gauge({
    name: 'conveyor_workflow_runs',
    help: 'WorkflowRuns by phase.',
    labelNames: ['phase'] as const,
    registers,
    collect() {
      if (!phaseCounts) return;
      const counts = phaseCounts();
      for (const phase of new Set([...RUN_PHASES, ...Object.keys(counts)]))
        this.set({ phase }, counts[phase] ?? 0);
    },
  });
  const reconcileDuration = new Histogram({
    name: 'conveyor_reconcile_duration_seconds',
    help: 'Time one reconcile took, by controller and result.',
    labelNames: ['controller', 'result'] as const,
    buckets: RECONCILE_SECONDS,
    registers,
  });

  return {
    registry,
    runsByPhase,
    stepAttempts: new Counter({
      name: 'conveyor_step_attempts_total',
      help: 'Step attempts that reached a phase (Running, Succeeded, Failed, ...).',
      labelNames: ['phase'] as const,
      registers,
    }),
    runDuration: new Histogram({
      name: 'conveyor_workflow_run_duration_seconds',
      help: 'Duration of finished WorkflowRuns, by final phase.',
      labelNames: ['phase'] as const,
      buckets: RUN_SECONDS,
      registers,
    }),
    stepDuration: new Histogram({
      name: 'conveyor_step_duration_seconds',
      help: 'Duration of finished step attempts, by final phase.',
      labelNames: ['phase'] as const,
      buckets: STEP_SECONDS,
      registers,
    }),
    retries: new Counter({
      name: 'conveyor_step_retries_total',
      help: 'Step retries scheduled after a failed attempt.',
      registers,
    }),
    queueDepth,
    reconcileDuration,
    apiErrors: new Counter({
      name: 'conveyor_api_errors_total',
      help: 'Failed Kubernetes API requests, by verb, resource and HTTP status (or network error) code.',
      labelNames: ['verb', 'resource', 'code'] as const,
      registers,
    }),
    watchRestarts: new Counter({
      name: 'conveyor_watch_restarts_total',
      help: 'Watches started again, by resource and reason (closed, expired, error, watchdog).',
      labelNames: ['resource', 'reason'] as const,
      registers,
    }),
    relists: new Counter({
      name: 'conveyor_watch_relists_total',
      help: 'Full lists after the first one (after 410 Gone or a stale watch), by resource.',
      labelNames: ['resource'] as const,
      registers,
    }),
    isLeader: new Gauge({
      name: 'conveyor_leader',
      help: '1 while this replica holds the leader lease, else 0.',
      registers,
    }),
    trackRunPhases(counts) {
      phaseCounts = counts;
    },
    trackQueueDepth(queue, depth) {
      queueSources.set(queue, depth);
    },
    startReconcileTimer(controller) {
      const end = reconcileDuration.startTimer({ controller });
      return (result) => {
        end({ result });
      };
    },
  };
}
