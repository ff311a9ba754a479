// The UI's HTTP server, on loopback only: the page and its two files, a JSON API over a UiBackend,
// and server-sent events: one stream tells the page when runs changed, another brings a step's
// output as it is written. Every request must carry the token.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { refusal, SECURITY_HEADERS } from './access.ts';
import type { UiBackend } from './backend.ts';
import { pageHtml } from './client/page.ts';
import { CLIENT_SCRIPT } from './client/script.ts';
import { CLIENT_STYLE } from './client/style.ts';

export interface UiServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;
/** How long close() lets requests under way finish (an action the CLI is carrying out). */
const CLOSE_GRACE_MS = 2_000;

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type });
  res.end(body);
}

const json = (res: ServerResponse, status: number, value: unknown) =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
    throw new Error('expected application/json');
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('request too large');
    chunks.push(chunk as Buffer);
  }
  const value = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as unknown;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('expected a JSON object');
  return value as Record<string, unknown>;
}

/** Starts a server-sent event stream on `res`, kept open by a comment every 15 s; `onClose` runs
 *  when the page goes away. */
function eventStream(req: IncomingMessage, res: ServerResponse, onClose: () => void): void {
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/event-stream',
    Connection: 'keep-alive',
  });
  res.write(': connected\n\n');
  const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
  req.on('close', () => {
    clearInterval(ping);
    onClose();
  });
}

const event = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

export async function startUiServer(backend: UiBackend, token: string, port = 0): Promise<UiServer> {
  const listeners = new Set<ServerResponse>();
  // Each change names its runs, so that a run's page draws itself again for its own run only.
  const stopWatching = backend.watch((runs) => {
    for (const res of listeners) res.write(event('change', { runs }));
  });
  /** The log streams being sent: ended when the server closes. */
  const logStreams = new Set<AbortController>();

  /** The step's output as server-sent events: `output` (a piece of text to append), then `end`
   *  when nothing more will be written for now, or `failure` with the reason. */
  async function streamLogs(req: IncomingMessage, res: ServerResponse, id: string, step: string) {
    const abort = new AbortController();
    logStreams.add(abort);
    eventStream(req, res, () => abort.abort());
    try {
      await backend.followLogs(id, step, (text) => res.write(event('output', text)), abort.signal);
      res.end(event('end', {}));
    } catch (error) {
      res.end(event('failure', (error as Error).message));
    } finally {
      logStreams.delete(abort);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    if (req.method === 'GET' && path === '/')
      return send(res, 200, 'text/html; charset=utf-8', pageHtml(token, backend.where));
    if (req.method === 'GET' && path === '/app.js')
      return send(res, 200, 'text/javascript; charset=utf-8', CLIENT_SCRIPT);
    if (req.method === 'GET' && path === '/app.css')
      return send(res, 200, 'text/css; charset=utf-8', CLIENT_STYLE);
    if (req.method === 'GET' && path === '/api/events') {
      eventStream(req, res, () => listeners.delete(res));
      listeners.add(res);
      return;
    }
    if (req.method === 'GET' && path === '/api/runs')
      return json(res, 200, { where: backend.where, ...(await backend.listRuns()) });
    if (req.method === 'GET' && path === '/api/workflows')
      return json(res, 200, await backend.listWorkflows());
    const workflow = /^\/api\/workflows\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && workflow) {
      const name = decodeURIComponent(workflow[1]!);
      const view = await backend.getWorkflow(name);
      return view ? json(res, 200, view) : json(res, 404, { message: `no workflow ${name}` });
    }
    const run = /^\/api\/runs\/([^/]+)(?:\/(logs|approve|cancel|resume|rollback|retry))?$/.exec(path);
    if (!run) return json(res, 404, { message: 'not found' });
    const id = decodeURIComponent(run[1]!);
    const action = run[2];
    if (req.method === 'GET' && action === undefined) {
      const view = await backend.getRun(id);
      return view ? json(res, 200, view) : json(res, 404, { message: `no run ${id}` });
    }
    if (req.method === 'GET' && action === 'logs')
      return streamLogs(req, res, id, url.searchParams.get('step') ?? '');
    if (req.method !== 'POST') return json(res, 405, { message: 'method not allowed' });
    const body = await readJson(req);
    if (action === 'approve') {
      const decision = body.decision === 'rejected' ? 'rejected' : 'approved';
      const result = await backend.approve(id, String(body.step ?? ''), decision, String(body.comment ?? ''));
      return json(res, result.ok ? 200 : 409, result);
    }
    const operations = {
      cancel: () => backend.cancel(id),
      resume: () => backend.resume(id),
      rollback: () => backend.rollback(id),
      retry: () => backend.retry(id),
    } as const;
    if (action === undefined || action === 'logs') return json(res, 405, { message: 'method not allowed' });
    const result = await operations[action as keyof typeof operations]();
    return json(res, result.ok ? 200 : 409, result);
  }

  let boundPort = port;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const refused = refusal(req, url, token, boundPort);
    if (refused) return send(res, refused.status, 'text/plain; charset=utf-8', `${refused.message}\n`);
    handle(req, res, url).catch((error: unknown) => {
      if (!res.headersSent) json(res, 400, { ok: false, message: (error as Error).message });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  boundPort = (server.address() as AddressInfo).port;
  return {
    port: boundPort,
    url: `http://127.0.0.1:${boundPort}/?token=${token}`,
    close: () =>
      new Promise<void>((resolve) => {
        stopWatching();
        for (const abort of logStreams) abort.abort();
        for (const res of listeners) res.end();
        server.close(() => resolve());
        server.closeIdleConnections();
        // A request still waiting for a cluster that does not answer gets a moment, not minutes.
        setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
      }),
  };
}
