// Scriptable stand-ins for the informer's list and watch functions: each list answers from a queue of
// results, each watch is a handle the test drives (emit events, close cleanly, fail).
import type { KubernetesObject } from '@kubernetes/client-node';
import type {
  ListFn,
  ListResult,
  WatchEvent,
  WatchFn,
  WatchOptions,
} from '../../../../src/kube/list-watch.ts';

export interface ConfigMapLike extends KubernetesObject {
  data?: Record<string, string>;
}

export function configMap(
  name: string,
  resourceVersion: string,
  data: Record<string, string> = {},
): ConfigMapLike {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', resourceVersion }, data };
}

export class WatchCall<T> {
  ended = false;
  constructor(
    readonly options: WatchOptions<T>,
    private readonly resolve: () => void,
    private readonly reject: (error: unknown) => void,
  ) {
    options.signal.addEventListener('abort', () => this.fail(options.signal.reason), { once: true });
  }

  get aborted(): boolean {
    return this.options.signal.aborted;
  }

  /** The server answers the request: the response's headers arrive, no event yet. */
  open(): void {
    if (!this.ended) this.options.onOpen?.();
  }

  emit(event: WatchEvent<T>): void {
    if (!this.ended) this.options.onEvent(event);
  }

  /** The server ends the stream cleanly (its timeoutSeconds). */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.resolve();
  }

  fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.reject(error);
  }
}

export class FakeListWatch<T extends KubernetesObject> {
  readonly watches: WatchCall<T>[] = [];
  listCalls = 0;
  /** Answers for the next lists, in order; when empty, lists hang until `answerList`. */
  private readonly answers: (ListResult<T> | Error)[] = [];
  private readonly waitingLists: ((answer: ListResult<T> | Error) => void)[] = [];

  readonly list: ListFn<T> = ({ signal, each }) => {
    this.listCalls++;
    const transformed = (result: ListResult<T>): ListResult<T> =>
      each ? { ...result, items: result.items.map(each) } : result;
    const next = this.answers.shift();
    if (next) return next instanceof Error ? Promise.reject(next) : Promise.resolve(transformed(next));
    return new Promise((resolve, reject) => {
      const answer = (result: ListResult<T> | Error) =>
        result instanceof Error ? reject(result) : resolve(transformed(result));
      this.waitingLists.push(answer);
      signal.addEventListener(
        'abort',
        () => {
          this.waitingLists.splice(this.waitingLists.indexOf(answer), 1);
          reject(signal.reason as Error);
        },
        { once: true },
      );
    });
  };

  readonly watch: WatchFn<T> = (options) =>
    new Promise<void>((resolve, reject) => {
      this.watches.push(new WatchCall(options, resolve, reject));
    });

  /** Queues the answer for a future list, or answers a list that is already waiting. */
  answerList(answer: ListResult<T> | Error): void {
    const waiting = this.waitingLists.shift();
    if (waiting) waiting(answer);
    else this.answers.push(answer);
  }

  get lastWatch(): WatchCall<T> {
    const call = this.watches.at(-1);
    if (!call) throw new Error('no watch was started');
    return call;
  }
}
