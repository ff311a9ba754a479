// The two I/O operations an informer needs, as plain function types: unit tests pass fakes, and
// kube-list-watch.ts builds the real ones over HTTPS from a KubeConfig.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeStatus } from './api-error.ts';

export interface ListResult<T> {
  items: T[];
  /** The list's resourceVersion: the point in history the watch resumes from. */
  resourceVersion: string;
}

/**
 * Lists every object, most recent state (resourceVersion unset: a consistent read, never the stale
 * watch cache that resourceVersion=0 may serve). Rejects on failure; honours `signal`.
 */
export type ListFn<T> = (options: {
  signal: AbortSignal;
  /**
   * Applied to every item as soon as its page arrives (the informer's transform): a list of
   * thousands of objects then holds what is kept of each plus one page, never all of them whole.
   */
  each?: (item: T) => T;
}) => Promise<ListResult<T>>;

export type WatchEvent<T> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T }
  /** Carries only metadata.resourceVersion: progress without a change (allowWatchBookmarks=true). */
  | { type: 'BOOKMARK'; object: KubernetesObject }
  /** The server ends the watch with a Status, e.g. code 410 when resourceVersion is too old. */
  | { type: 'ERROR'; object: KubeStatus };

export interface WatchOptions<T> {
  resourceVersion: string;
  /** Server-side limit: the API server closes the watch cleanly after this long. */
  timeoutSeconds: number;
  allowWatchBookmarks: boolean;
  signal: AbortSignal;
  /** Called for each event, in order, synchronously from the stream. */
  onEvent: (event: WatchEvent<T>) => void;
  /** Called once the server has accepted the watch (HTTP 200), before any event. */
  onOpen?: () => void;
}

/**
 * Watches from `resourceVersion`. Resolves when the server ends the stream cleanly; rejects on HTTP
 * errors (with a `statusCode`, e.g. 410), broken streams, and when `signal` aborts.
 */
export type WatchFn<T> = (options: WatchOptions<T>) => Promise<void>;

/** What to list and watch: a collection path plus optional namespace and selectors. */
export interface ResourceSelector {
  /**
   * The cluster-wide collection path, e.g. `/api/v1/pods`, `/apis/batch/v1/jobs`,
   * `/apis/conveyor.dev/v1alpha1/workflowruns`.
   */
  path: string;
  /** Restricts list and watch to one namespace; all namespaces when unset. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}
