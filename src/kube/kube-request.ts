// Raw requests to the API server for any path, with a KubeConfig's credentials (client certs,
// tokens, exec plugins, proxies: whatever applyToHTTPSOptions sets up) and the caller's AbortSignal.
// The controller makes all its calls through here rather than client-node's generated API classes:
// loading those (every model and API group of Kubernetes) costs the process about 55 MiB.
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeApiError, type KubeStatus } from './api-error.ts';
import { reusedAgent } from './reused-connections.ts';

export type QueryParams = Record<string, string | number | boolean | undefined>;

export interface KubeGet {
  path: string;
  query?: QueryParams;
  signal?: AbortSignal;
}

export interface KubeCall extends KubeGet {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Sent as JSON; a PATCH body is a JSON merge patch. */
  body?: unknown;
}

/** The content type of each kind of body: PATCH means a JSON merge patch here. */
const CONTENT_TYPES = { PATCH: 'application/merge-patch+json', other: 'application/json' } as const;

/** Most error bodies are a small Status; anything longer is cut (the message is what matters). */
const ERROR_BODY_LIMIT = 64 * 1024;
/** TCP keep-alive probes notice a peer that vanished without closing the connection. */
const KEEPALIVE_MS = 30_000;

export function requestUrl(kc: KubeConfig, path: string, query: QueryParams = {}): URL {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster: set current-context');
  // The server URL may carry a path prefix (Rancher, some proxies), so append rather than resolve.
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
  }
  return url;
}

// Why not client-node's Watch: in 1.4 it hands out its AbortController only after the response
// headers arrived, so a connect that hangs cannot be aborted (one of the silent hangs behind
// kubernetes-client/javascript#596 and #958); it drops the Status body of a failed watch, and it
// skips lines it cannot parse. Here the signal is wired into the request from the start.
/**
 * Sends a GET and resolves with the response once a 2xx status arrived; the caller reads the body.
 * Any other status rejects with a KubeApiError carrying the server's Status message and code.
 */
export async function openKubeGet(kc: KubeConfig, request: KubeGet): Promise<IncomingMessage> {
  return openKubeRequest(kc, { ...request, method: 'GET' });
}

/** Sends any request; resolves with the response of a 2xx status, rejects with a KubeApiError otherwise. */
async function openKubeRequest(kc: KubeConfig, request: KubeCall): Promise<IncomingMessage> {
  const url = requestUrl(kc, request.path, request.query);
  const options: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  options.agent = reusedAgent(options.agent) as https.Agent | undefined;
  const transport = url.protocol === 'http:' ? http : https;
  const payload = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
  const headers: OutgoingHttpHeaders = {
    ...(options.headers as OutgoingHttpHeaders),
    Accept: 'application/json',
    ...(payload
      ? {
          'Content-Type': request.method === 'PATCH' ? CONTENT_TYPES.PATCH : CONTENT_TYPES.other,
          'Content-Length': payload.length,
        }
      : {}),
  };
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = transport.request(
      url,
      { ...options, method: request.method, headers, signal: request.signal },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(res);
        readText(res, ERROR_BODY_LIMIT).then(
          (text) =>
            reject(KubeApiError.fromStatus(parseStatus(text), status, `${request.method} ${request.path}`)),
          (error: unknown) => reject(error as Error),
        );
      },
    );
    req.on('error', reject);
    req.on('socket', (socket) => socket.setKeepAlive(true, KEEPALIVE_MS));
    req.end(payload);
  });
}

/**
 * Sends a request and resolves with its response body: parsed JSON, or the text itself when the
 * server answered something else (a pod's log). Failures reject as openKubeGet's do.
 */
export async function kubeRequest<T = unknown>(kc: KubeConfig, request: KubeCall): Promise<T> {
  const res = await openKubeRequest(kc, request);
  const text = await readText(res);
  if (!/\bjson\b/.test(String(res.headers['content-type'] ?? ''))) return text as T;
  return JSON.parse(text) as T;
}

/** Reads a whole response as text; with a limit, stops reading past it (the rest is dropped). */
export async function readText(res: IncomingMessage, limit = Infinity): Promise<string> {
  res.setEncoding('utf8');
  let text = '';
  for await (const chunk of res as AsyncIterable<string>) {
    text += chunk;
    if (text.length > limit) {
      res.destroy();
      return text.slice(0, limit);
    }
  }
  return text;
}

function parseStatus(text: string): KubeStatus {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object') return parsed as KubeStatus;
  } catch {
    // Not JSON (a proxy's HTML error page): report the start of the text instead.
  }
  return { message: text.trim().slice(0, 200) || undefined };
}
