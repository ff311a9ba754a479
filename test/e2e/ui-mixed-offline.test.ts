// `conveyor ui --cluster -n NS --state-dir DIR` when the cluster cannot be reached (its kubeconfig
// points at a loopback port nothing listens on, as when the API server is down), in a real browser:
// the local runs are still listed and live, their pages, output and workflow pages open, Approve and
// Resume finish a local run, and the list says once, with the cluster's own error, that the
// cluster's runs cannot be shown, instead of failing as a whole. And a UI whose cluster takes
// connections and never answers still stops on SIGTERM.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { conveyor, gatedWorkflow, runLocal, tempDir } from './cli-harness.ts';
import {
  approveShipAndResume,
  noBrowser,
  openBrowserPage,
  type RunningUi,
  showsLocalGatedRun,
  startUi,
} from './ui-browser.ts';

const GATED = gatedWorkflow('offline-gated');

const QUICK = `name: offline-quick
steps:
  - name: only
    command: echo quick
`;

/** A loopback port nothing listens on: one the system gave out, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A kubeconfig for a cluster `name` on a loopback port that is not a Kubernetes API server. */
function kubeconfigFor(name: string, port: number): string {
  return `apiVersion: v1
kind: Config
clusters:
  - name: ${name}
    cluster:
      server: https://127.0.0.1:${port}
      insecure-skip-tls-verify: true
users:
  - name: someone
    user:
      token: not-a-real-token
contexts:
  - name: ${name}
    context: { cluster: ${name}, user: someone, namespace: team-a }
current-context: ${name}
`;
}

describe('conveyor ui over local runs and a cluster that cannot be reached', { skip: noBrowser }, () => {
  const dir = tempDir('conveyor-ui-offline-');
  const stateDir = join(dir, 'state');
  let port: number;
  let ui: RunningUi;
  let browser: Browser;
  let page: Page;
  let problems: string[] = [];

  const runLocally = async (text: string, name: string, expectedCode: number): Promise<void> => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, text);
    await runLocal(file, stateDir, name, expectedCode);
  };

  before(async () => {
    port = await closedPort();
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigFor('gone', port));
    // Exit 3: the run waits for the approval of ship.
    await runLocally(GATED, 'offline-gated', 3);
    ui = await startUi(['--cluster', '-n', 'team-a', '--state-dir', stateDir], { KUBECONFIG: kubeconfig });
    ({ browser, page, problems } = await openBrowserPage());
  });

  after(async () => {
    await browser?.close();
    await ui?.stop();
  });

  test('lists the local runs and says once, with its error, that the cluster cannot be reached', async () => {
    await page.goto(ui.url);
    const row = page.locator('#runs tr[data-run="local:offline-gated"]');
    await row.waitFor();
    assert.match(await row.innerText(), /local\s+offline-gated\s+offline-gated\s+AwaitingApproval/);
    await page.locator('#workflows li[data-workflow="local:offline-gated"]').waitFor();
    const unavailable = page.locator('.unavailable');
    assert.equal(await unavailable.count(), 1, 'one notice for the cluster, not one per request');
    const text = await unavailable.innerText();
    assert.match(text, /namespace team-a/);
    assert.match(text, new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
    assert.equal(await page.locator('#notice').isHidden(), true, 'the list itself did not fail');

    // The live list goes on though the cluster's watch fails: a new local run comes without a reload.
    await runLocally(QUICK, 'offline-quick', 0);
    await page.locator('#runs tr[data-run="local:offline-quick"]').waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.unavailable').count(), 1);
  });

  test("a local run's page, output and workflow page open, and Approve and Resume finish it", async () => {
    await page.goto(`${ui.url}#/run/local%3Aoffline-gated`);
    await showsLocalGatedRun(page, stateDir);
    await approveShipAndResume(page, 'offline-gated');
    const got = await conveyor(['get', 'offline-gated', '--state-dir', stateDir, '-o', 'json']);
    assert.equal((JSON.parse(got.stdout) as { phase: string }).phase, 'Succeeded', got.stdout);

    await page.locator('#workflow-link').click();
    await page.locator('main p.muted', { hasText: 'From the newest run, offline-gated' }).waitFor();
    await page.locator('#runs tr[data-run="local:offline-gated"]').waitFor();
    assert.deepEqual(problems, []);
  });
});

describe('conveyor ui stopped while a cluster that never answers holds its requests', () => {
  const dir = tempDir('conveyor-ui-hung-');
  const held = new Set<Socket>();
  // Takes every connection and says nothing on it: a host that hangs.
  const hung: Server = createServer((socket) => {
    held.add(socket);
    socket.on('error', () => undefined);
  });
  let ui: RunningUi | undefined;

  after(async () => {
    if (ui?.process.exitCode === null) ui.process.kill('SIGKILL');
    for (const socket of held) socket.destroy();
    await new Promise<void>((resolve) => hung.close(() => resolve()));
  });

  test(
    'exits on SIGTERM, though a list of the cluster is still waiting for an answer',
    { timeout: 60_000 },
    async () => {
      await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
      const kubeconfig = join(dir, 'kubeconfig');
      writeFileSync(kubeconfig, kubeconfigFor('hung', (hung.address() as AddressInfo).port));
      ui = await startUi(['--cluster', '-n', 'team-a', '--state-dir', join(dir, 'state')], {
        KUBECONFIG: kubeconfig,
      });
      // The page's list asks the cluster too: its request waits beside the watch's.
      const listing = fetch(ui.url.replace('/?token=', '/api/runs?token=')).catch(() => undefined);
      while (held.size < 2) await new Promise((resolve) => setTimeout(resolve, 50));
      const exited = new Promise<number | null>((resolve) =>
        ui!.process.once('exit', (code) => resolve(code)),
      );
      ui.process.kill('SIGTERM');
      assert.equal(await exited, 0);
      await listing;
    },
  );
});
