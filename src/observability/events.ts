// Kubernetes Events on the objects the controller acts on; repeats within a window bump count and
// lastTimestamp of the Event already written (as client-go's recorder does), and recording never throws.
import { hostname } from 'node:os';
import type { CoreV1Event, KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { kubeRequest } from '../kube/kube-request.ts';
import { silentLogger, type Logger } from './logger.ts';

export type EventType = 'Normal' | 'Warning';

/** The object an Event is about. */
export interface InvolvedObject {
  apiVersion?: string;
  kind?: string;
  name: string;
  /** Cluster-scoped objects have none; their Events go to "default", as client-go does. */
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

/** The two writes the recorder makes; tests pass a fake. */
export interface EventSink {
  create(namespace: string, event: CoreV1Event): Promise<unknown>;
  /** A JSON merge patch of an existing Event. */
  patch(namespace: string, name: string, patch: { count: number; lastTimestamp: Date }): Promise<unknown>;
}

export function createEventSink(kc: KubeConfig): EventSink {
  const events = (namespace: string) => `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`;
  return {
    create: (namespace, body) => kubeRequest(kc, { method: 'POST', path: events(namespace), body }),
    patch: (namespace, name, body) =>
      kubeRequest(kc, { method: 'PATCH', path: `${events(namespace)}/${encodeURIComponent(name)}`, body }),
  };
}

export interface EventRecorderOptions {
  sink: EventSink;
  /** source.component and reportingComponent, e.g. "conveyor-controller". */
  component: string;
  /** reportingInstance and source.host; default the host name. */
  instance?: string;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  /** Repeats closer together than this are folded into one Event. Default 10 minutes. */
  aggregationWindowMs?: number;
  /** Distinct events remembered for folding; the least recently seen are forgotten first. */
  maxTracked?: number;
  logger?: Logger;
  /** Called when an Event could not be written (after logging), e.g. to count API errors. */
  onError?: (error: unknown, verb: 'create' | 'patch') => void;
}

interface Tracked {
  namespace: string;
  name: string;
  count: number;
  lastSeen: number;
}

/** The API server's limit for an Event's note; longer messages are cut with an ellipsis. */
const MESSAGE_LIMIT = 1024;
const REASON_LIMIT = 128;

export class EventRecorder {
  private readonly tracked = new Map<string, Tracked>();
  /** The last write per event key: a repeat waits for it, so two repeats never both create. */
  private readonly tails = new Map<string, Promise<void>>();
  private readonly now: () => number;
  private readonly window: number;
  private readonly maxTracked: number;
  private readonly instance: string;
  private readonly log: Logger;

  constructor(private readonly options: EventRecorderOptions) {
    this.now = options.now ?? Date.now;
    this.window = options.aggregationWindowMs ?? 10 * 60_000;
    this.maxTracked = options.maxTracked ?? 4096;
    this.instance = options.instance ?? hostname();
    this.log = options.logger ?? silentLogger();
  }

  normal(object: KubernetesObject | InvolvedObject, reason: string, message: string): Promise<void> {
    return this.record(object, 'Normal', reason, message);
  }

  warning(object: KubernetesObject | InvolvedObject, reason: string, message: string): Promise<void> {
    return this.record(object, 'Warning', reason, message);
  }

  /** Records an Event; resolves when written (or given up on), never rejects. */
  record(
    object: KubernetesObject | InvolvedObject,
    type: EventType,
    reason: string,
    message: string,
  ): Promise<void> {
    const involved = involvedObjectOf(object);
    const note = truncate(message, MESSAGE_LIMIT);
    const why = truncate(reason, REASON_LIMIT);
    const key = [involved.namespace, involved.kind, involved.name, involved.uid, type, why, note].join(
      '\u0000',
    );
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.write(key, involved, type, why, note));
    this.tails.set(key, next);
    // Only forgets the tail; `next` never rejects (write() catches), so neither does this.
    void next.finally(() => {
      if (this.tails.get(key) === next) this.tails.delete(key);
    });
    return next;
  }

  /** Resolves when every Event recorded so far has been written: call before exiting. */
  async flush(): Promise<void> {
    await Promise.all([...this.tails.values()]);
  }

  private async write(
    key: string,
    involved: InvolvedObject,
    type: EventType,
    reason: string,
    message: string,
  ): Promise<void> {
    const now = this.now();
    const namespace = involved.namespace || 'default';
    const seen = this.tracked.get(key);
    if (seen && now - seen.lastSeen <= this.window) {
      try {
        await this.options.sink.patch(seen.namespace, seen.name, {
          count: seen.count + 1,
          lastTimestamp: new Date(now),
        });
        this.remember(key, { ...seen, count: seen.count + 1, lastSeen: now });
        return;
      } catch (error) {
        // Usually the Event expired (the API server keeps them about an hour) or was deleted: write a
        // fresh one below rather than lose this occurrence.
        this.log.debug({ err: error, event: seen.name }, 'Could not update an Event; creating a new one.');
        this.reportError(error, 'patch');
      }
    }
    const name = eventName(involved.name, now);
    const timestamp = new Date(now);
    const event: CoreV1Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: involved.apiVersion,
        kind: involved.kind,
        name: involved.name,
        namespace: involved.namespace,
        uid: involved.uid,
        resourceVersion: involved.resourceVersion,
      },
      type,
      reason,
      message,
      count: 1,
      firstTimestamp: timestamp,
      lastTimestamp: timestamp,
      source: { component: this.options.component, host: this.instance },
      reportingComponent: this.options.component,
      reportingInstance: this.instance,
    };
    try {
      await this.options.sink.create(namespace, event);
      this.remember(key, { namespace, name, count: 1, lastSeen: now });
    } catch (error) {
      this.log.warn(
        { err: error, reason, involved: `${involved.kind ?? ''}/${involved.name}`, namespace },
        `Could not record the ${reason} Event; carrying on without it.`,
      );
      this.reportError(error, 'create');
    }
  }

  private reportError(error: unknown, verb: 'create' | 'patch'): void {
    try {
      this.options.onError?.(error, verb);
    } catch {
      // A failing error hook must not make recording throw.
    }
  }

  private remember(key: string, tracked: Tracked): void {
    // Delete first so that the Map's insertion order is least-recently-seen first.
    this.tracked.delete(key);
    this.tracked.set(key, tracked);
    while (this.tracked.size > this.maxTracked) {
      const oldest = this.tracked.keys().next().value;
      if (oldest === undefined) break;
      this.tracked.delete(oldest);
    }
  }
}

export function involvedObjectOf(object: KubernetesObject | InvolvedObject): InvolvedObject {
  if ('name' in object && typeof object.name === 'string') return object;
  const k = object as KubernetesObject;
  return {
    apiVersion: k.apiVersion,
    kind: k.kind,
    name: k.metadata?.name ?? '',
    namespace: k.metadata?.namespace,
    uid: k.metadata?.uid,
    resourceVersion: k.metadata?.resourceVersion,
  };
}

/** client-go's form, name.<hex time>, plus random digits so two replicas never collide. */
function eventName(objectName: string, now: number): string {
  const suffix = Math.floor(Math.random() * 0xffff)
    .toString(16)
    .padStart(4, '0');
  return `${objectName.slice(0, 220)}.${now.toString(16)}${suffix}`;
}

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 3)}...`;
}
