// The real ListFn and WatchFn for any collection path (core, batch, our CRDs), namespaced or across
// all namespaces, over raw HTTPS (see kube-request.ts for why not client-node's Watch).
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { openKubeGet, readText } from './kube-request.ts';
import type { ListFn, ResourceSelector, WatchEvent, WatchFn } from './list-watch.ts';

/** Objects per list page: bounds the size of a single response and the API server's work per call. */
const DEFAULT_PAGE_SIZE = 500;
/** A watch line longer than this is not an object the API server would send (its limit is ~1.5 MiB). */
const MAX_LINE_CHARS = 16 * 1024 * 1024;

/** `/api/v1/pods` + `team-a` → `/api/v1/namespaces/team-a/pods` (also for `/apis/<group>/<version>/…`). */
export function collectionPath(path: string, namespace?: string): string {
  if (!namespace) return path;
  const match = /^(\/api\/[^/]+|\/apis\/[^/]+\/[^/]+)\/([^/]+)$/.exec(path);
  if (!match) {
    throw new Error(
      `cannot scope ${path} to namespace ${namespace}: expected a cluster-wide collection path such as /api/v1/pods or /apis/batch/v1/jobs`,
    );
  }
  return `${match[1]}/namespaces/${encodeURIComponent(namespace)}/${match[2]}`;
}

interface ListBody<T> {
  kind?: string;
  apiVersion?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items?: T[] | null;
}

export function createKubeListWatch<T extends KubernetesObject>(
  kc: KubeConfig,
  selector: ResourceSelector,
  options: { pageSize?: number } = {},
): { list: ListFn<T>; watch: WatchFn<T> } {
  const path = collectionPath(selector.path, selector.namespace);
  const selectors = { labelSelector: selector.labelSelector, fieldSelector: selector.fieldSelector };

  const list: ListFn<T> = async ({ signal, each }) => {
    const items: T[] = [];
    let resourceVersion = '';
    let continueToken: string | undefined;
    do {
      // An expired continue token answers 410; the informer then lists again from the start.
      const res = await openKubeGet(kc, {
        path,
        query: { ...selectors, limit: options.pageSize ?? DEFAULT_PAGE_SIZE, continue: continueToken },
        signal,
      });
      const body = JSON.parse(await readText(res)) as ListBody<T>;
      for (const item of body.items ?? []) {
        const typed = withTypeMeta(item, body);
        items.push(each ? each(typed) : typed);
      }
      // Every page of one list is served from the same snapshot, so any page's version will do.
      resourceVersion = body.metadata?.resourceVersion ?? resourceVersion;
      continueToken = body.metadata?.continue || undefined;
    } while (continueToken);
    return { items, resourceVersion };
  };

  const watch: WatchFn<T> = async ({
    resourceVersion,
    timeoutSeconds,
    allowWatchBookmarks,
    signal,
    onEvent,
    onOpen,
  }) => {
    const res = await openKubeGet(kc, {
      path,
      query: { ...selectors, watch: true, resourceVersion, allowWatchBookmarks, timeoutSeconds },
      signal,
    });
    onOpen?.();
    res.setEncoding('utf8');
    let buffer = '';
    // Iterating ends when the server closes the stream (its timeoutSeconds) and throws when the
    // connection breaks or `signal` aborts; if onEvent throws, leaving the loop destroys the stream.
    for await (const chunk of res as AsyncIterable<string>) {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.trim()) onEvent(parseWatchLine<T>(line));
      }
      if (buffer.length > MAX_LINE_CHARS)
        throw new Error(`watch ${path}: an event exceeded ${MAX_LINE_CHARS} characters`);
    }
    if (buffer.trim()) onEvent(parseWatchLine<T>(buffer));
  };

  return { list, watch };
}

/** List items come without kind and apiVersion; watch events carry them. Make both look alike. */
function withTypeMeta<T extends KubernetesObject>(item: T, list: ListBody<T>): T {
  if (item.kind && item.apiVersion) return item;
  const kind = list.kind?.endsWith('List') ? list.kind.slice(0, -'List'.length) : undefined;
  return { ...item, kind: item.kind ?? kind, apiVersion: item.apiVersion ?? list.apiVersion };
}

function parseWatchLine<T>(line: string): WatchEvent<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    // client-node skips such lines; a skipped event is a change the cache never sees, so fail loudly
    // and let the informer restart the watch from the last good resourceVersion.
    throw new Error(`malformed watch event: ${line.slice(0, 200)}`);
  }
  const event = parsed as { type?: unknown; object?: unknown };
  if (typeof event.type !== 'string' || typeof event.object !== 'object' || event.object === null) {
    throw new Error(`malformed watch event: ${line.slice(0, 200)}`);
  }
  return event as WatchEvent<T>;
}
