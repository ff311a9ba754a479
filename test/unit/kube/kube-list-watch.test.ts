// The real list and watch functions against a small local HTTP server that speaks the API server's
// list/watch protocol: paging, selectors, event streams split across chunks, Status errors, aborts.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeApiError, isGone, statusCodeOf } from '../../../src/kube/api-error.ts';
import { collectionPath, createKubeListWatch } from '../../../src/kube/kube-list-watch.ts';
import { kubeRequest } from '../../../src/kube/kube-request.ts';
import type { WatchEvent } from '../../../src/kube/list-watch.ts';
import { configMap, type ConfigMapLike } from './support/fake-list-watch.ts';

describe('collection paths', () => {
  it('scopes core and group collection paths to a namespace', () => {
    assert.equal(collectionPath('/api/v1/pods', 'team-a'), '/api/v1/namespaces/team-a/pods');
    assert.equal(collectionPath('/apis/batch/v1/jobs', 'team-a'), '/apis/batch/v1/namespaces/team-a/jobs');
    assert.equal(
      collectionPath('/apis/conveyor.dev/v1alpha1/workflowruns', 'x'),
      '/apis/conveyor.dev/v1alpha1/namespaces/x/workflowruns',
    );
    assert.equal(collectionPath('/apis/batch/v1/jobs'), '/apis/batch/v1/jobs');
    assert.throws(
      () => collectionPath('/apis/batch/v1/namespaces/a/jobs', 'b'),
      /cluster-wide collection path/,
    );
  });
});

describe('status codes of API failures', () => {
  it('reads the code from our errors, client-node ApiException, Watch errors and Status objects', () => {
    assert.equal(statusCodeOf(new KubeApiError(410, 'gone')), 410);
    assert.equal(statusCodeOf({ code: 409, body: '{}' }), 409);
    assert.equal(statusCodeOf(Object.assign(new Error('Gone'), { statusCode: 410 })), 410);
    assert.equal(statusCodeOf(Object.assign(new Error('reset'), { code: 'ECONNRESET' })), undefined);
    assert.equal(isGone({ kind: 'Status', code: 410, reason: 'Expired' }), true);
  });
});

describe('list and watch over HTTP', () => {
  const requests: URL[] = [];
  const authorizations: (string | undefined)[] = [];
  let hang: ServerResponse | undefined;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(url);
    authorizations.push(req.headers.authorization);
    const q = url.searchParams;
    res.setHeader('Content-Type', 'application/json');
    if (url.pathname !== '/api/v1/namespaces/ns/configmaps') {
      res
        .writeHead(404)
        .end(JSON.stringify({ kind: 'Status', code: 404, reason: 'NotFound', message: 'not found' }));
    } else if (q.get('watch') !== 'true') {
      const page = q.get('continue')
        ? {
            metadata: { resourceVersion: '10' },
            items: [{ metadata: { name: 'b', namespace: 'ns', resourceVersion: '2' } }],
          }
        : {
            metadata: { resourceVersion: '10', continue: 'page-2' },
            items: [{ metadata: { name: 'a', namespace: 'ns', resourceVersion: '1' } }],
          };
      res.end(JSON.stringify({ kind: 'ConfigMapList', apiVersion: 'v1', ...page }));
    } else if (q.get('resourceVersion') === '1') {
      res.writeHead(410).end(
        JSON.stringify({
          kind: 'Status',
          status: 'Failure',
          reason: 'Expired',
          code: 410,
          message: 'too old resource version: 1 (10)',
        }),
      );
    } else if (q.get('resourceVersion') === 'hang') {
      res.writeHead(200);
      res.flushHeaders();
      hang = res;
    } else {
      const lines = [
        { type: 'ADDED', object: configMap('c', '11') },
        {
          type: 'BOOKMARK',
          object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: '12' } },
        },
        { type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' } },
      ]
        .map((l) => JSON.stringify(l))
        .join('\n');
      res.writeHead(200);
      // Split an event across writes: the parser must join chunks before parsing lines.
      res.write(lines.slice(0, 25));
      setImmediate(() => res.end(`${lines.slice(25)}\n`));
    }
  });
  const kc = new KubeConfig();
  let listWatch: ReturnType<typeof createKubeListWatch<ConfigMapLike>>;

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    kc.loadFromOptions({
      clusters: [{ name: 'local', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'tester', token: 'test-token' }],
      contexts: [{ name: 'local', cluster: 'local', user: 'tester' }],
      currentContext: 'local',
    });
    listWatch = createKubeListWatch<ConfigMapLike>(
      kc,
      { path: '/api/v1/configmaps', namespace: 'ns', labelSelector: 'app=conveyor' },
      { pageSize: 1 },
    );
  });
  after(() => {
    hang?.destroy();
    server.close();
    server.closeAllConnections();
  });

  it('lists every page with the selectors and credentials and fills in kind and apiVersion', async () => {
    requests.length = 0;
    authorizations.length = 0;
    const result = await listWatch.list({ signal: new AbortController().signal });
    assert.equal(result.resourceVersion, '10');
    assert.deepEqual(
      result.items.map((i) => [i.kind, i.apiVersion, i.metadata?.name]),
      [
        ['ConfigMap', 'v1', 'a'],
        ['ConfigMap', 'v1', 'b'],
      ],
    );
    assert.deepEqual(
      requests.map((u) => [
        u.searchParams.get('labelSelector'),
        u.searchParams.get('limit'),
        u.searchParams.get('continue'),
      ]),
      [
        ['app=conveyor', '1', null],
        ['app=conveyor', '1', 'page-2'],
      ],
    );
    assert.deepEqual(authorizations, ['Bearer test-token', 'Bearer test-token']);
  });

  it('applies the transform to each page as it arrives, before asking for the next', async () => {
    requests.length = 0;
    const seen: string[] = [];
    const result = await listWatch.list({
      signal: new AbortController().signal,
      each: (item) => {
        seen.push(`${item.metadata?.name} after ${requests.length} requests`);
        return { ...item, metadata: { ...item.metadata, labels: { kept: 'only this' } } };
      },
    });
    assert.deepEqual(seen, ['a after 1 requests', 'b after 2 requests']);
    assert.deepEqual(
      result.items.map((i) => i.metadata?.labels),
      [{ kept: 'only this' }, { kept: 'only this' }],
    );
  });

  it('streams watch events in order and asks for bookmarks and a server-side timeout', async () => {
    requests.length = 0;
    const events: WatchEvent<ConfigMapLike>[] = [];
    await listWatch.watch({
      resourceVersion: '10',
      timeoutSeconds: 270,
      allowWatchBookmarks: true,
      signal: new AbortController().signal,
      onEvent: (e) => events.push(e),
    });
    assert.deepEqual(
      events.map((e) => e.type),
      ['ADDED', 'BOOKMARK', 'ERROR'],
    );
    const q = requests[0]!.searchParams;
    assert.deepEqual(
      ['watch', 'resourceVersion', 'allowWatchBookmarks', 'timeoutSeconds', 'labelSelector'].map((k) =>
        q.get(k),
      ),
      ['true', '10', 'true', '270', 'app=conveyor'],
    );
  });

  it('rejects with the Status code and message when the watch request answers 410', async () => {
    await assert.rejects(
      listWatch.watch({
        resourceVersion: '1',
        timeoutSeconds: 60,
        allowWatchBookmarks: true,
        signal: new AbortController().signal,
        onEvent: () => {},
      }),
      (error: unknown) =>
        isGone(error) && /too old resource version: 1 \(10\)/.test((error as Error).message),
    );
  });

  it('rejects when aborted, even with the stream open and silent', async () => {
    const controller = new AbortController();
    const watching = listWatch.watch({
      resourceVersion: 'hang',
      timeoutSeconds: 60,
      allowWatchBookmarks: true,
      signal: controller.signal,
      onEvent: () => {},
    });
    while (!hang) await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error('watchdog'));
    await assert.rejects(watching);
  });
});

describe('requests over HTTP', () => {
  let connections = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ method: req.method, type: req.headers['content-type'], body }));
    });
  });
  server.on('connection', () => connections++);
  const kc = new KubeConfig();

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    kc.loadFromOptions({
      clusters: [{ name: 'local', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'tester', token: 'test-token' }],
      contexts: [{ name: 'local', cluster: 'local', user: 'tester' }],
      currentContext: 'local',
    });
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends a PATCH as a JSON merge patch and reads the JSON answer', async () => {
    const answer = await kubeRequest<{ method: string; type: string; body: string }>(kc, {
      method: 'PATCH',
      path: '/api/v1/namespaces/ns/configmaps/a',
      body: { data: { k: 'v' } },
    });
    assert.deepEqual(answer, {
      method: 'PATCH',
      type: 'application/merge-patch+json',
      body: '{"data":{"k":"v"}}',
    });
  });

  it('reuses one connection for requests one after another with the same credentials', async () => {
    for (let i = 0; i < 3; i++) await kubeRequest(kc, { method: 'GET', path: '/api/v1/namespaces' });
    // These three and the PATCH before them.
    assert.equal(connections, 1);
  });
});
