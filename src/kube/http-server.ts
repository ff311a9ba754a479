// The controller's HTTP endpoints: /metrics (Prometheus text from a prom-client registry), /healthz
// (liveness) and /readyz (readiness), each probe a list of named checks that can be added at any time.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { silentLogger, type Logger } from '../observability/logger.ts';
import { systemClock, type Clock, type TimerHandle } from './clock.ts';

/** true/false, or a verdict with a reason shown in the probe's output. */
export type CheckResult = boolean | { ok: boolean; message?: string };

export interface HealthCheck {
  name: string;
  check: () => CheckResult | Promise<CheckResult>;
}

export interface OperatorHttpServerOptions {
  /** 0 picks a free port (tests). */
  port: number;
  /** Default all interfaces, as a probe from the kubelet needs. */
  host?: string;
  registry?: Registry;
  liveness?: HealthCheck[];
  readiness?: HealthCheck[];
  /** A check that takes longer fails: a probe must answer even when a dependency hangs. Default 5 s. */
  checkTimeoutMs?: number;
  /** Times the check timeout; injectable for tests. */
  clock?: Clock;
  logger?: Logger;
}

interface Verdict {
  name: string;
  ok: boolean;
  message?: string;
}

export class OperatorHttpServer {
  private readonly server: Server;
  private readonly liveness: HealthCheck[];
  private readonly readiness: HealthCheck[];
  private readonly log: Logger;

  constructor(private readonly options: OperatorHttpServerOptions) {
    this.liveness = [...(options.liveness ?? [])];
    this.readiness = [...(options.readiness ?? [])];
    this.log = options.logger ?? silentLogger();
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.log.error({ err: error, path: req.url }, 'Serving an HTTP request failed.');
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end('internal error\n');
      });
    });
  }

  addLivenessCheck(check: HealthCheck): void {
    this.liveness.push(check);
  }

  addReadinessCheck(check: HealthCheck): void {
    this.readiness.push(check);
  }

  /** Starts listening; resolves with the bound address (the real port when `port` was 0). */
  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stops accepting connections and closes idle ones; resolves when the server has closed. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.server.listening) return resolve();
      this.server.close((error) => (error ? reject(error) : resolve()));
      this.server.closeIdleConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' });
      res.end('method not allowed\n');
      return;
    }
    switch (url.pathname) {
      case '/metrics':
        return this.serveMetrics(res);
      case '/healthz':
      case '/livez':
        return this.serveProbe(res, this.liveness, url.searchParams.has('verbose'));
      case '/readyz':
        return this.serveProbe(res, this.readiness, url.searchParams.has('verbose'));
      default:
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('not found\n');
    }
  }

  private async serveMetrics(res: ServerResponse): Promise<void> {
    const registry = this.options.registry;
    if (!registry) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('metrics are not enabled\n');
      return;
    }
    const body = await registry.metrics();
    res.writeHead(200, { 'Content-Type': registry.contentType });
    res.end(body);
  }

  /** Answers like the API server's own probes: "ok", or one [+]/[-] line per check. */
  private async serveProbe(res: ServerResponse, checks: HealthCheck[], verbose: boolean): Promise<void> {
    const verdicts = await Promise.all(checks.map((check) => this.run(check)));
    const ok = verdicts.every((v) => v.ok);
    const lines = verdicts
      .filter((v) => verbose || !v.ok)
      .map(
        (v) => `[${v.ok ? '+' : '-'}]${v.name} ${v.ok ? 'ok' : 'failed'}${v.message ? `: ${v.message}` : ''}`,
      );
    const body = ok && !verbose ? 'ok\n' : `${lines.join('\n')}\n${ok ? 'ok' : 'failed'}\n`;
    res.writeHead(ok ? 200 : 503, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-store',
    });
    res.end(body);
  }

  private async run(check: HealthCheck): Promise<Verdict> {
    const timeoutMs = this.options.checkTimeoutMs ?? 5_000;
    const clock = this.options.clock ?? systemClock;
    let timer: TimerHandle | undefined;
    const timeout = new Promise<CheckResult>((resolve) => {
      timer = clock.setTimer(
        () => resolve({ ok: false, message: `no answer within ${timeoutMs} ms` }),
        timeoutMs,
      );
    });
    try {
      const result = await Promise.race([Promise.resolve().then(check.check), timeout]);
      return typeof result === 'boolean' ? { name: check.name, ok: result } : { name: check.name, ...result };
    } catch (error) {
      return { name: check.name, ok: false, message: error instanceof Error ? error.message : String(error) };
    } finally {
      if (timer) clock.clearTimer(timer);
    }
  }
}
