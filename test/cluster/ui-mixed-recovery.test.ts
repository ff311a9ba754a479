// `conveyor ui --cluster -n NS --state-dir DIR` through an outage of the cluster, in a real browser:
// the UI reaches the test control plane through a TCP forwarder on a loopback port, which the test
// opens and closes (an API server that is down, then back: connection refused, then TLS straight
// through to the real one). While the cluster cannot be reached, the list shows the local run with
// one note naming the error; once it answers again, the WorkflowRun comes back and the note goes,
// without a reload; when it goes away again, the note comes back, and the WorkflowRun stays listed
// (and its page shown) as last seen, marked so and without its actions, until the cluster is back;
// so it does, after a few seconds, while the cluster takes connections and never answers, and so
// does conveyor ui --cluster alone; and when the cluster goes silent on the connections it keeps open
// (nothing tells the watch), once a list has waited long enough.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { conveyor, runLocal, submitRun, tempDir } from '../e2e/cli-harness.ts';
import { launchBrowser, noBrowser, startUi, type RunningUi } from '../e2e/ui-browser.ts';
import { createNamespace } from './kubectl.ts';
import { installCrds } from './install-crds.ts';
import { useCluster } from './use-cluster.ts';

const suite = await useCluster();

const QUICK = `name: ui-outage
steps:
  - name: only
    command: echo quick
`;

/** A loopback port that forwards every connection to `target` while open, and refuses them while
 *  closed (closing cuts the connections it carries, as an API server that stops does); while it
 *  holds, it takes connections and never answers (a host that hangs); frozen, it also keeps the
 *  connections it carries open and passes nothing on them (a host gone without a word: nothing
 *  tells a watch on such a connection that it ended). */
class Forwarder {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly piped = new Set<readonly [Socket, Socket]>();
  private holding = false;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  /** Cuts every connection, then takes new ones and says nothing on them. */
  hold(): void {
    this.holding = true;
    this.cut();
  }

  /** Holds, and leaves the connections it carries open but silent. */
  freeze(): void {
    this.holding = true;
    for (const [client, upstream] of this.piped) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  private cut(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async open(): Promise<void> {
    if (this.holding) {
      // The host is back: what hung on it is cut, as by a reset.
      this.holding = false;
      this.cut();
    }
    if (this.server) return;
    const server = createServer((client) => {
      if (this.holding) {
        this.sockets.add(client);
        client.on('close', () => this.sockets.delete(client));
        client.on('error', () => undefined);
        return;
      }
      const upstream = connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      const pair = [client, upstream] as const;
      this.piped.add(pair);
      client.on('close', () => this.piped.delete(pair));
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', resolve);
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    this.cut();
    await closed;
  }
}

describe(
  'conveyor ui over local runs and a cluster that goes away and comes back',
  { skip: suite.options.skip || noBrowser },
  () => {
    let ns: { name: string; remove: () => Promise<void> };
    let forwarder: Forwarder;
    let ui: RunningUi | undefined;
    /** `conveyor ui --cluster -n NS` alone, through the same forwarder. */
    let clusterUi: RunningUi | undefined;
    let browser: Browser;
    let page: Page;
    const work = tempDir('conveyor-ui-outage-');
    const stateDir = join(work, 'state');

    before(async () => {
      const { kubeconfig } = suite.get();
      await installCrds(kubeconfig);
      ns = await createNamespace('ui-outage', kubeconfig);
      const file = join(work, 'ui-outage.yaml');
      writeFileSync(file, QUICK);
      // No controller: the WorkflowRun only has to be listed.
      await submitRun(file, ns.name, 'ui-outage-remote', kubeconfig);
      await runLocal(file, stateDir, 'ui-outage-local');

      const text = readFileSync(kubeconfig, 'utf8');
      const server = /https:\/\/127\.0\.0\.1:(\d+)/.exec(text);
      assert.ok(server, `the test kubeconfig names its API server on loopback:\n${text}`);
      forwarder = new Forwarder({ host: '127.0.0.1', port: Number(server[1]) });
      // The port is taken once and let go: the UI starts with nothing listening there.
      await forwarder.open();
      await forwarder.close();
      const throughForwarder = join(work, 'kubeconfig');
      writeFileSync(throughForwarder, text.replace(server[0], `https://127.0.0.1:${forwarder.port}`));
      ui = await startUi(['--cluster', '-n', ns.name, '--state-dir', stateDir], {
        KUBECONFIG: throughForwarder,
      });
      clusterUi = await startUi(['--cluster', '-n', ns.name], { KUBECONFIG: throughForwarder });
      browser = await launchBrowser();
      page = await browser.newPage();
    });

    after(async () => {
      await browser?.close();
      // First: requests the UI has in flight to a holding forwarder would keep it from exiting.
      await forwarder?.close();
      await ui?.stop();
      await clusterUi?.stop();
      await ns?.remove();
    });

    test('the note of the unreachable cluster goes when it answers again, and comes back with its runs as last seen when it goes', async () => {
      const local = page.locator('#runs tr[data-run="local:ui-outage-local"]');
      const remote = page.locator('#runs tr[data-run="ui-outage-remote"]');
      const note = page.locator('.unavailable');
      await page.goto(ui!.url);
      await local.waitFor();
      assert.match(await note.innerText(), new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${forwarder.port}`));
      assert.equal(await remote.count(), 0);

      await forwarder.open();
      // No reload: the cluster's watch connects, and the page draws the list again.
      await remote.waitFor({ timeout: 60_000 });
      await note.waitFor({ state: 'detached' });
      assert.equal(await local.count(), 1);
      // Its page, once, while the cluster answers: its graph, and its actions.
      const graph = page.locator('#graph g.step[data-step="only"]');
      await remote.locator('a').first().click();
      await graph.waitFor();
      await page.locator('#cancel').waitFor();
      await page.locator('#home').click();
      await remote.waitFor();

      await forwarder.close();
      await note.waitFor({ timeout: 60_000 });
      assert.equal(await note.count(), 1, 'one note, not one per failed attempt');
      assert.equal(await local.count(), 1);
      assert.equal(await page.locator('#notice').isHidden(), true);
      // The WorkflowRun seen before stays listed as it was last seen, marked so, with the time.
      assert.equal(await remote.count(), 1, 'the WorkflowRun stays listed while the cluster is away');
      assert.equal(await remote.getAttribute('data-stale'), 'true');
      assert.match(await remote.innerText(), /last seen \d/);
      assert.match(await note.innerText(), /as last seen at \d/);
      // Its page shows it as last seen (its graph too), with the cluster's error, and offers none of
      // its actions.
      await remote.locator('a').first().click();
      const stale = page.locator('#stale');
      await stale.waitFor();
      assert.match(await stale.innerText(), /ECONNREFUSED/);
      assert.equal(await graph.count(), 1, 'the graph as last drawn');
      assert.equal(await page.locator('main button').count(), 0);
      // Its workflow's page, never opened before: the Workflow as last listed, its graph, and the
      // run as last seen.
      await page.locator('#workflow-link').click();
      const workflowStale = page.locator('#stale', { hasText: 'the workflow as last read' });
      await workflowStale.waitFor();
      assert.match(await workflowStale.innerText(), /ECONNREFUSED/);
      assert.equal(await page.locator('#graph g.step[data-step="only"]').count(), 1);
      assert.equal(await page.locator('tr[data-run="ui-outage-remote"]').count(), 1);
      await page.goBack();
      await stale.waitFor();

      await forwarder.open();
      // Live again, without a reload: its page, then its row.
      await stale.waitFor({ state: 'detached', timeout: 60_000 });
      await page.locator('#cancel').waitFor();
      await page.locator('#home').click();
      await remote.waitFor();
      await note.waitFor({ state: 'detached' });
      assert.equal(await remote.getAttribute('data-stale'), null);
    });

    test('a cluster that takes connections and never answers leaves its runs listed as last seen, until it answers', async () => {
      // The mixed list, and the cluster's alone.
      const alone = await browser.newPage();
      await alone.goto(clusterUi!.url);
      for (const shown of [page, alone])
        await shown.locator('#runs tr[data-run="ui-outage-remote"]').waitFor();
      forwarder.hold();
      for (const [shown, which, server] of [
        [page, 'the mixed list', ui],
        [alone, "the cluster's list", clusterUi],
      ] as const) {
        const remote = shown.locator('#runs tr[data-run="ui-outage-remote"]');
        const note = shown.locator('.unavailable');
        await note.waitFor({ timeout: 60_000 }).catch((error: Error) => {
          throw new Error(
            `${which}: no note of the hanging cluster: ${error.message}\nits conveyor ui printed:\n${server?.output().slice(-4000)}`,
            { cause: error },
          );
        });
        assert.match(await note.innerText(), /no answer within/);
        assert.equal(await remote.count(), 1, 'the WorkflowRun stays listed while the cluster hangs');
        assert.equal(await remote.getAttribute('data-stale'), 'true');
        assert.equal(await shown.locator('#notice').isHidden(), true);
      }
      assert.equal(await page.locator('#runs tr[data-run="local:ui-outage-local"]').count(), 1);

      await forwarder.open();
      for (const shown of [page, alone]) {
        await shown.locator('.unavailable').waitFor({ state: 'detached', timeout: 60_000 });
        assert.equal(
          await shown.locator('#runs tr[data-run="ui-outage-remote"]').getAttribute('data-stale'),
          null,
        );
      }
    });

    test('a cluster that goes silent on the connections it keeps open leaves its runs listed as last seen', async () => {
      const remote = page.locator('#runs tr[data-run="ui-outage-remote"]');
      const note = page.locator('.unavailable');
      await remote.waitFor();
      forwarder.freeze();
      // Something for the list to draw: a new local run. The cluster's part waits for an answer, and
      // then shows what was last seen, though its watch has noticed nothing.
      const local = await conveyor([
        'run',
        join(work, 'ui-outage.yaml'),
        '--state-dir',
        stateDir,
        '--run-id',
        'ui-outage-local-2',
      ]);
      assert.equal(local.code, 0, local.stdout + local.stderr);
      await page.locator('#runs tr[data-run="local:ui-outage-local-2"]').waitFor({ timeout: 60_000 });
      assert.match(await note.innerText(), /no answer within/);
      assert.equal(await remote.count(), 1, 'the WorkflowRun stays listed while the cluster is silent');
      assert.equal(await remote.getAttribute('data-stale'), 'true');

      await forwarder.open();
      await note.waitFor({ state: 'detached', timeout: 60_000 });
      assert.equal(await remote.getAttribute('data-stale'), null);
    });
  },
);
