// The controller's HTTP endpoints on a loopback port: metrics text, and probes that answer 200 or 503
// with the failing checks named (and every check with ?verbose).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Counter, Registry } from 'prom-client';
import {
  informersLiveCheck,
  informersCurrentCheck,
  leaderLiveCheck,
  leaderReadyCheck,
} from '../../../src/kube/health-checks.ts';
import { OperatorHttpServer } from '../../../src/kube/http-server.ts';
import { FakeClock } from './support/fake-clock.ts';

describe('operator http server', () => {
  const registry = new Registry();
  const requests = new Counter({ name: 'test_requests_total', help: 'Requests.', registers: [registry] });
  const informer = {
    name: 'workflowruns',
    staleness: 'not synced yet' as string | undefined,
    get isCurrent() {
      return this.staleness === undefined;
    },
    describeStaleness: () => informer.staleness,
    wedged: false,
    isWedged: () => informer.wedged,
  };
  const elector = { leading: false, ready: true };
  const electorView = {
    isLeader: () => elector.leading,
    isReady: () => elector.ready,
    isRenewalOverdue: () => false,
  };
  const server = new OperatorHttpServer({
    port: 0,
    host: '127.0.0.1',
    registry,
    liveness: [informersLiveCheck([informer]), leaderLiveCheck(electorView)],
    readiness: [informersCurrentCheck([informer]), leaderReadyCheck(electorView)],
  });
  let base = '';

  before(async () => {
    const address = await server.listen();
    base = `http://127.0.0.1:${address.port}`;
  });
  after(() => server.close());

  const get = async (path: string) => {
    const res = await fetch(base + path);
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
  };

  it('serves the registry in the Prometheus text format on /metrics', async () => {
    requests.inc(3);
    const res = await get('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.type, /text\/plain/);
    assert.match(res.body, /^test_requests_total 3$/m);
  });

  it('is alive while no informer is wedged, and says which one is', async () => {
    assert.deepEqual(await get('/healthz'), { status: 200, type: 'text/plain; charset=utf-8', body: 'ok\n' });
    informer.wedged = true;
    const res = await get('/healthz');
    informer.wedged = false;
    assert.equal(res.status, 503);
    assert.match(res.body, /\[-\]informers-live failed: wedged: workflowruns/);
  });

  it('is ready once the caches are current and the elector leads or stands by', async () => {
    const before = await get('/readyz');
    assert.equal(before.status, 503);
    assert.match(before.body, /informers-current failed: workflowruns: not synced yet/);

    informer.staleness = undefined;
    const standby = await get('/readyz?verbose');
    assert.equal(standby.status, 200);
    assert.match(standby.body, /\[\+\]informers-current ok/);
    assert.match(standby.body, /\[\+\]leader-election ok: standby/);

    elector.ready = false;
    assert.equal((await get('/readyz')).status, 503);
    elector.ready = true;
  });

  it('is not ready while a cache is stale, and still alive', async () => {
    informer.staleness = 'cannot watch for 12 s (connect ECONNREFUSED 127.0.0.1:6443)';
    const ready = await get('/readyz');
    const alive = await get('/healthz');
    informer.staleness = undefined;
    assert.equal(ready.status, 503);
    assert.match(ready.body, /workflowruns: cannot watch for 12 s \(connect ECONNREFUSED/);
    assert.equal(alive.status, 200);
  });

  it('fails a check that throws or does not answer in time instead of hanging the probe', async () => {
    const clock = new FakeClock();
    let asked = false;
    const probe = new OperatorHttpServer({
      port: 0,
      host: '127.0.0.1',
      clock,
      checkTimeoutMs: 5_000,
      readiness: [
        { name: 'broken', check: () => Promise.reject(new Error('cache unreadable')) },
        { name: 'stuck', check: () => ((asked = true), new Promise<boolean>(() => {})) },
      ],
    });
    const { port } = await probe.listen();
    try {
      const pending = fetch(`http://127.0.0.1:${port}/readyz`);
      while (!asked) await new Promise((resolve) => setImmediate(resolve));
      await clock.advance(5_000);
      const res = await pending;
      assert.equal(res.status, 503);
      const body = await res.text();
      assert.match(body, /\[-\]broken failed: cache unreadable/);
      assert.match(body, /\[-\]stuck failed: no answer within 5000 ms/);
    } finally {
      await probe.close();
    }
  });

  it('answers 404 for unknown paths', async () => {
    assert.equal((await get('/nope')).status, 404);
  });
});
