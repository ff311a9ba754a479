// The kubelet's log endpoint, GET /containerLogs/<namespace>/<pod>/<container>, over HTTPS with
// client-certificate authentication: the API server calls it for pods/log (kubectl logs).
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  formatRecord,
  parseLogOptions,
  tail,
  wanted,
  type ContainerLog,
  type LogOptions,
  type LogRecord,
} from './logs.ts';

export interface LogLookup {
  /** The log of a container instance, or an HTTP status and message explaining why there is none. */
  find(
    namespace: string,
    pod: string,
    container: string,
    previous: boolean,
  ): ContainerLog | { status: number; message: string };
}

export interface LogServerOptions {
  port: number;
  cert: string;
  key: string;
  clientCA: string;
}

/** Writes records while honouring limitBytes; returns false once the limit is reached. */
class LimitedWriter {
  private written = 0;
  constructor(
    private readonly res: ServerResponse,
    private readonly options: LogOptions,
  ) {}

  write(record: LogRecord): boolean {
    let text = Buffer.from(formatRecord(record, this.options));
    const limit = this.options.limitBytes;
    if (limit !== undefined) {
      if (this.written + text.length > limit) text = text.subarray(0, limit - this.written);
      this.written += text.length;
    }
    if (text.length > 0) this.res.write(text);
    return limit === undefined || this.written < limit;
  }
}

function serveLog(log: ContainerLog, options: LogOptions, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
  const writer = new LimitedWriter(res, options);
  for (const record of tail(
    log.records().filter((r) => wanted(r, options)),
    options.tailLines,
  )) {
    if (!writer.write(record)) {
      res.end();
      return;
    }
  }
  if (!options.follow || log.done) {
    res.end();
    return;
  }
  // Following: stream new records until the container ends or the client goes away.
  const onRecord = (record: LogRecord) => {
    if (wanted(record, options) && !writer.write(record)) finish();
  };
  const finish = () => {
    log.events.off('record', onRecord);
    log.events.off('end', finish);
    res.end();
  };
  log.events.on('record', onRecord);
  log.events.once('end', finish);
  req.once('close', finish);
}

function handle(lookup: LogLookup, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'https://node');
  const fail = (status: number, message: string) => {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(message);
  };
  if (url.pathname === '/healthz') return fail(200, 'ok');
  const parts = url.pathname.split('/').map(decodeURIComponent);
  if (req.method !== 'GET' || parts.length !== 5 || parts[1] !== 'containerLogs') {
    return fail(404, `not found: ${url.pathname}`);
  }
  const [, , namespace, pod, container] = parts as [string, string, string, string, string];
  let options: LogOptions;
  try {
    options = parseLogOptions(url.searchParams);
  } catch (error) {
    return fail(400, (error as Error).message);
  }
  const found = lookup.find(namespace, pod, container, url.searchParams.get('previous') === 'true');
  if ('status' in found) return fail(found.status, found.message);
  serveLog(found, options, req, res);
}

export function startLogServer(lookup: LogLookup, options: LogServerOptions): Promise<Server> {
  const server = createServer(
    {
      cert: readFileSync(options.cert),
      key: readFileSync(options.key),
      ca: readFileSync(options.clientCA),
      // Only the API server (holding a certificate from the cluster CA) may read logs.
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => handle(lookup, req, res),
  );
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve(server));
  });
}
