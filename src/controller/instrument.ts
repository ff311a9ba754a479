// Wires the runtime's hooks to the controller's metrics, so every informer, queue and elector is
// measured the same way: watch restarts and relists by resource, queue depth, leadership, API errors.
import { errorCodeLabel } from '../kube/api-error.ts';
import type { ControllerMetrics } from '../observability/metrics.ts';
import type { RelistReason, WatchRestartReason } from '../kube/informer.ts';

/** Spread into an informer's options: `new Informer({ ...informerMetrics(metrics, 'jobs'), ... })`. */
export function informerMetrics(
  metrics: ControllerMetrics,
  resource: string,
): { onWatchRestart: (reason: WatchRestartReason) => void; onRelist: (reason: RelistReason) => void } {
  return {
    onWatchRestart: (reason) => metrics.watchRestarts.inc({ resource, reason }),
    onRelist: () => metrics.relists.inc({ resource }),
  };
}

/** Reports the queue's depth at every scrape. */
export function queueMetrics(
  metrics: ControllerMetrics,
  queue: string,
  source: { readonly depth: number },
): void {
  metrics.trackQueueDepth(queue, () => source.depth);
}

/** Counts a failed API call by verb ("create", "patch", ...), resource and status or network code. */
export function recordApiError(
  metrics: ControllerMetrics,
  verb: string,
  resource: string,
  error: unknown,
): void {
  metrics.apiErrors.inc({ verb, resource, code: errorCodeLabel(error) });
}

/** Wraps leader callbacks so the leader gauge follows leadership. */
export function leaderMetrics(
  metrics: ControllerMetrics,
  callbacks: {
    onStartedLeading?: () => void | Promise<void>;
    onStoppedLeading?: () => void | Promise<void>;
  } = {},
): { onStartedLeading: () => void | Promise<void>; onStoppedLeading: () => void | Promise<void> } {
  metrics.isLeader.set(0);
  return {
    onStartedLeading: () => {
      metrics.isLeader.set(1);
      return callbacks.onStartedLeading?.();
    },
    onStoppedLeading: () => {
      metrics.isLeader.set(0);
      return callbacks.onStoppedLeading?.();
    },
  };
}
