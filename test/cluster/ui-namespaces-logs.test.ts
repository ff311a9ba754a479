// `conveyor ui --cluster` in a real browser (Debian's Chromium through playwright-core) on the test
// control plane, for what spans namespaces and what streams: with -A the runs list shows every
// namespace's runs, each with its namespace, filters by namespace, and lists a run started later
// without a reload; a run opened from it is acted on in its own namespace (Cancel sets spec.cancel
// there); beside a state directory (-A --state-dir) the local runs join the list, marked local, and
// each run, local or not, opens from where it lives; a running step's output comes from its pod's
// log as the step writes it, through one server-sent event stream, and a finished step whose pods
// are gone says so.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page, Request } from 'playwright-core';
import { conveyor } from '../e2e/cli-harness.ts';
import { launchBrowser, noBrowser, startUi, type RunningUi } from '../e2e/ui-browser.ts';
import { REPO_ROOT } from './harness.ts';
import { createNamespace, kubectl } from './kubectl.ts';
import { startController, type ControllerProcess } from './controller-process.ts';
import { installCrds } from './install-crds.ts';
import { useCluster } from './use-cluster.ts';

const suite = await useCluster();

const QUICK = `name: ui-quick
steps:
  - name: hello
    command: echo hello
`;

const SLOW = `name: ui-slow
steps:
  - name: wait
    command: sleep 600
`;

function gated(gate: string): string {
  return `name: ui-stream
steps:
  - name: stream
    command: echo first line; while [ ! -f ${gate} ]; do sleep 0.2; done; echo second line
`;
}

describe(
  'conveyor ui across namespaces, and a step output streamed from its pod',
  { skip: suite.options.skip || noBrowser },
  () => {
    let a: { name: string; remove: () => Promise<void> };
    let b: { name: string; remove: () => Promise<void> };
    let controller: ControllerProcess | undefined;
    const uis: RunningUi[] = [];
    let browser: Browser;
    const work = mkdtempSync(join(tmpdir(), 'conveyor-ui-namespaces-'));

    const openUi = async (args: readonly string[], hash = ''): Promise<Page> => {
      const ui = await startUi(['--cluster', ...args], { KUBECONFIG: suite.get().kubeconfig });
      uis.push(ui);
      const page = await browser.newPage();
      await page.goto(`${ui.url}${hash}`);
      return page;
    };

    /** `conveyor run FILE --cluster -n NS --run-id NAME --detach`, as the admin. */
    const startRun = async (namespace: string, text: string, name: string): Promise<void> => {
      const file = join(work, `${name}.yaml`);
      writeFileSync(file, text);
      const started = await new Promise<{ code: number; out: string }>((resolve) =>
        execFile(
          process.execPath,
          [
            join(REPO_ROOT, 'bin', 'conveyor.js'),
            'run',
            file,
            '--cluster',
            '-n',
            namespace,
            '--run-id',
            name,
            '--detach',
          ],
          { env: { ...process.env, KUBECONFIG: suite.get().kubeconfig, CI: '1' } },
          (error, stdout, stderr) => resolve({ code: error ? 1 : 0, out: stdout + stderr }),
        ),
      );
      assert.equal(started.code, 0, started.out);
    };

    before(async () => {
      const { kubeconfig } = suite.get();
      await installCrds(kubeconfig);
      a = await createNamespace('ui-a', kubeconfig);
      b = await createNamespace('ui-b', kubeconfig);
      controller = startController({ kubeconfig, namespace: `${a.name},${b.name}` });
      // The same workflow and run names in both namespaces: only the namespace tells them apart.
      await startRun(a.name, QUICK, 'ui-quick-1');
      await startRun(b.name, QUICK, 'ui-quick-1');
      browser = await launchBrowser();
    });

    after(async () => {
      await browser?.close();
      for (const ui of uis) await ui.stop();
      await controller?.stop();
      await a?.remove();
      await b?.remove();
    });

    test('-A lists the runs of every namespace with their namespace, filters by it, and shows a new run live', async () => {
      const page = await openUi(['-A']);
      const rowA = page.locator(`#runs tr[data-run="${a.name}/ui-quick-1"]`);
      const rowB = page.locator(`#runs tr[data-run="${b.name}/ui-quick-1"]`);
      await rowA.waitFor();
      await rowB.waitFor();
      assert.equal(await rowA.locator('td.namespace').innerText(), a.name);
      assert.equal(await rowB.locator('td.namespace').innerText(), b.name);
      assert.match(await page.locator('#where').innerText(), /all namespaces/);

      await page.locator('#filter-namespace').selectOption(b.name);
      await rowA.waitFor({ state: 'detached' });
      assert.equal(await rowB.count(), 1);
      // Started after the page was drawn: the watch across namespaces brings it, with no reload.
      await startRun(b.name, QUICK, 'ui-quick-2');
      await page.locator(`#runs tr[data-run="${b.name}/ui-quick-2"]`).waitFor({ timeout: 30_000 });
      assert.equal(await rowA.count(), 0, 'the filter still holds');

      // A run opened from the list is read from its own namespace, and so is its workflow.
      await rowB.click();
      await page
        .locator('#graph g.step[data-step="hello"][data-phase="Succeeded"]')
        .waitFor({ timeout: 90_000 });
      assert.match(await page.locator('main p.muted').first().innerText(), new RegExp(`namespace ${b.name}`));
      await page.locator('#workflow-link').click();
      await page.locator(`#runs tr[data-run="${b.name}/ui-quick-2"]`).waitFor();
      assert.equal(await page.locator(`#runs tr[data-run="${a.name}/ui-quick-1"]`).count(), 0);
    });

    test("-A with --state-dir lists both namespaces' runs and the local ones, each with where it is, and opens each from where it lives", async () => {
      // A local run named as the WorkflowRun in each namespace: only where it is tells them apart.
      const stateDir = join(work, 'state');
      const file = join(work, 'ui-quick-local.yaml');
      writeFileSync(file, QUICK.replace('echo hello', 'echo hello from the local side'));
      const local = await conveyor(['run', file, '--state-dir', stateDir, '--run-id', 'ui-quick-1']);
      assert.equal(local.code, 0, local.stdout + local.stderr);
      const page = await openUi(['-A', '--state-dir', stateDir]);
      const rows = [
        {
          id: 'local:ui-quick-1',
          place: 'local',
          where: `state directory ${stateDir}`,
          output: 'hello from the local side',
          workflowFrom: 'From the newest run, ui-quick-1',
        },
        ...[a.name, b.name].map((ns) => ({
          id: `${ns}/ui-quick-1`,
          place: ns,
          where: `namespace ${ns}`,
          output: 'hello',
          workflowFrom: new RegExp(`From Workflow ui-quick .*namespace ${ns}`),
        })),
      ];
      for (const row of rows) {
        const tr = page.locator(`#runs tr[data-run="${row.id}"]`);
        await tr.waitFor();
        assert.equal(await tr.locator('td.namespace').innerText(), row.place);
        assert.match(await tr.innerText(), /ui-quick-1\s+ui-quick\s+Succeeded/);
      }
      const where = await page.locator('#where').innerText();
      assert.match(where, new RegExp(`state directory ${stateDir}`));
      assert.match(where, /all namespaces/);
      const places = await page.locator('#filter-namespace option').allInnerTexts();
      for (const place of ['local runs', a.name, b.name])
        assert.ok(places.includes(place), places.join(', '));
      assert.equal(await page.locator('.unavailable').count(), 0);

      for (const row of rows) {
        await page.locator('#home').click();
        await page.locator(`#runs tr[data-run="${row.id}"] a`).first().click();
        await page.locator('main p.muted', { hasText: row.where }).waitFor();
        assert.equal(await page.locator('h1').innerText(), `${row.id} Succeeded`);
        await page.locator('#steps tr[data-step="hello"]').click();
        await page.locator('#logs', { hasText: row.output }).waitFor({ timeout: 30_000 });
        if (!row.id.startsWith('local:'))
          assert.doesNotMatch(await page.locator('#logs').innerText(), /local side/);
        // Its workflow's page too: the one on its side, listing its run and neither of the others.
        await page.locator('#workflow-link').click();
        await page.locator('main p.muted', { hasText: row.workflowFrom }).waitFor();
        await page.locator(`#runs tr[data-run="${row.id}"]`).waitFor();
        for (const other of rows.filter((r) => r !== row))
          assert.equal(await page.locator(`#runs tr[data-run="${other.id}"]`).count(), 0, other.id);
      }
    });

    test("-A acts on a run in its own namespace: Cancel sets that run's spec.cancel", async () => {
      await startRun(b.name, SLOW, 'ui-slow-1');
      const page = await openUi(['--all-namespaces'], `#/run/${b.name}%2Fui-slow-1`);
      await page.locator('#steps tr[data-step="wait"][data-phase="Running"]').waitFor({ timeout: 90_000 });
      await page.locator('#cancel').click();
      await page.locator('#notice', { hasText: 'Cancelling ui-slow-1' }).waitFor();
      const cancel = await kubectl(
        ['get', 'workflowruns.conveyor.dev', 'ui-slow-1', '-o', 'jsonpath={.spec.cancel}'],
        { kubeconfig: suite.get().kubeconfig, namespace: b.name },
      );
      assert.equal(cancel.stdout, 'true');
      await page.locator('h1 .phase[data-phase="Cancelled"]').waitFor({ timeout: 90_000 });
    });

    test('a finished step whose pods are gone says its log is no longer available, as conveyor logs does', async () => {
      const { kubeconfig } = suite.get();
      await kubectl(['delete', 'pods', '-l', 'conveyor.dev/run=ui-quick-1', '--wait'], {
        kubeconfig,
        namespace: a.name,
      });
      const page = await openUi(['-n', a.name], '#/run/ui-quick-1');
      await page.locator('#steps tr[data-step="hello"][data-phase="Succeeded"]').click({ timeout: 90_000 });
      await page
        .locator('#logs', { hasText: 'the pods of hello are gone: its log is no longer available' })
        .waitFor();
    });

    test("a running step's output streams from its pod's log as the step writes it", async () => {
      const gate = join(work, 'go');
      await startRun(a.name, gated(gate), 'ui-stream-1');
      const page = await openUi(['-n', a.name], '#/run/ui-stream-1');
      // What the page asks for the step's output: one stream that stays open, not a request a second.
      const asked: string[] = [];
      const onRequest = (request: Request) => {
        if (request.url().includes('/api/runs/ui-stream-1/logs')) asked.push(request.resourceType());
      };
      page.on('request', onRequest);
      try {
        await page.locator('#steps tr[data-step="stream"][data-phase="Running"]').click({ timeout: 90_000 });
        await page.locator('#logs', { hasText: 'first line' }).waitFor({ timeout: 30_000 });
        assert.doesNotMatch(await page.locator('#logs').innerText(), /second line/);
        writeFileSync(gate, '');
        await page.locator('#logs', { hasText: 'second line' }).waitFor({ timeout: 30_000 });
        await page.locator('h1 .phase[data-phase="Succeeded"]').waitFor({ timeout: 60_000 });
        assert.match(await page.locator('#logs').innerText(), /first line\nsecond line/);
      } finally {
        page.off('request', onRequest);
        if (!existsSync(gate)) writeFileSync(gate, '');
      }
      assert.deepEqual(asked, ['eventsource']);
    });
  },
);
