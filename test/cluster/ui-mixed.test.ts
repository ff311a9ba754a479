// `conveyor ui --cluster -n NS --state-dir DIR` in a real browser (Debian's Chromium through
// playwright-core): the runs of a local state directory and of a namespace of the test control
// plane in one live list, each saying where it is, though a local run and a WorkflowRun share a
// name (and so do their workflows); a run's page, its step's output and its workflow's page come
// from where the run lives; and an action on one side never touches the other: Cancel on the
// WorkflowRun sets its spec.cancel and leaves the local run of the same name waiting, Approve and
// Resume on the local run continue it in the state directory and write nothing to the WorkflowRun.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { conveyor, gatedWorkflow, runLocal, submitRun, tempDir } from '../e2e/cli-harness.ts';
import { launchBrowser, noBrowser, type RunningUi, showsLocalGatedRun, startUi } from '../e2e/ui-browser.ts';
import { createNamespace, kubectl, type KubectlOptions } from './kubectl.ts';
import { startController, type ControllerProcess } from './controller-process.ts';
import { installCrds } from './install-crds.ts';
import { useCluster } from './use-cluster.ts';

const suite = await useCluster();

/** The same workflow name on both sides; each side's first step says which side ran it. */
const twin = (side: string): string => gatedWorkflow('ui-twin', side);

const QUICK = `name: ui-quick
steps:
  - name: only
    command: echo quick
`;

describe(
  'conveyor ui over local runs and a cluster at once',
  { skip: suite.options.skip || noBrowser },
  () => {
    let ns: { name: string; remove: () => Promise<void> };
    let admin: KubectlOptions;
    let controller: ControllerProcess | undefined;
    let ui: RunningUi | undefined;
    let browser: Browser;
    const work = tempDir('conveyor-ui-mixed-');
    const stateDir = join(work, 'state');

    /** A page of the UI, opened at `hash`. */
    const open = async (hash = ''): Promise<Page> => {
      const page = await browser.newPage();
      await page.goto(`${ui!.url}${hash}`);
      return page;
    };

    /** A local run of `text`, to its end or its approval. */
    const runLocally = async (text: string, name: string, expectedCode: number): Promise<void> => {
      const file = join(work, `${name}-local.yaml`);
      writeFileSync(file, text);
      await runLocal(file, stateDir, name, expectedCode);
    };

    const clusterRun = async (jsonpath: string): Promise<string> =>
      (await kubectl(['get', 'workflowruns.conveyor.dev', 'ui-twin', '-o', `jsonpath={${jsonpath}}`], admin))
        .stdout;

    /** The local run's phase and approval decisions, as conveyor get shows them. */
    const localRun = async (): Promise<{ phase: string; text: string }> => {
      const got = await conveyor(['get', 'ui-twin', '--state-dir', stateDir, '-o', 'json']);
      assert.equal(got.code, 0, got.stderr);
      return { phase: (JSON.parse(got.stdout) as { phase: string }).phase, text: got.stdout };
    };

    before(async () => {
      const { kubeconfig } = suite.get();
      await installCrds(kubeconfig, { approvals: true });
      ns = await createNamespace('ui-mixed', kubeconfig);
      admin = { kubeconfig, namespace: ns.name };
      controller = startController({ kubeconfig, namespace: ns.name });
      const file = join(work, 'ui-twin-cluster.yaml');
      writeFileSync(file, twin('cluster'));
      await submitRun(file, ns.name, 'ui-twin', kubeconfig);
      // Exit 3: the local run waits for the approval of ship.
      await runLocally(twin('local side'), 'ui-twin', 3);
      ui = await startUi(['--cluster', '-n', ns.name, '--state-dir', stateDir], { KUBECONFIG: kubeconfig });
      browser = await launchBrowser();
    });

    after(async () => {
      await browser?.close();
      await ui?.stop();
      await controller?.stop();
      await ns?.remove();
    });

    test('lists the local runs and the namespace runs in one live list, each saying where it is', async () => {
      const page = await open();
      const local = page.locator('#runs tr[data-run="local:ui-twin"]');
      const remote = page.locator('#runs tr[data-run="ui-twin"]');
      await local.waitFor();
      await remote.waitFor();
      assert.equal(await local.locator('td.namespace').innerText(), 'local');
      assert.equal(await remote.locator('td.namespace').innerText(), ns.name);
      // Both named ui-twin, both of workflow ui-twin.
      assert.match(await local.innerText(), /ui-twin\s+ui-twin\s+AwaitingApproval/);
      await remote.locator('.phase[data-phase="AwaitingApproval"]').waitFor({ timeout: 90_000 });
      const where = await page.locator('#where').innerText();
      assert.match(where, new RegExp(`state directory ${stateDir}`));
      assert.match(where, new RegExp(`namespace ${ns.name}`));
      await page.locator(`#workflows li[data-workflow="local:ui-twin"]`).waitFor();
      await page.locator(`#workflows li[data-workflow="ui-twin"]`).waitFor();

      await page.locator('#filter-namespace').selectOption('(local)');
      await remote.waitFor({ state: 'detached' });
      // A local run made after the page was drawn comes without a reload, through the filter.
      await runLocally(QUICK, 'ui-quick-1', 0);
      await page.locator('#runs tr[data-run="local:ui-quick-1"] td.local').waitFor({ timeout: 30_000 });
      assert.equal(await remote.count(), 0, 'the filter still holds');
      await page.locator('#filter-namespace').selectOption(ns.name);
      await remote.waitFor();
      assert.equal(await local.count(), 0);
      await page.close();
    });

    test("each run's page, step output and workflow page come from where the run lives", async () => {
      const page = await open();
      await page.locator('#runs tr[data-run="local:ui-twin"]').click();
      await showsLocalGatedRun(page, stateDir);
      await page.locator('#workflow-link').click();
      await page.locator('main p.muted', { hasText: 'From the newest run, ui-twin' }).waitFor();
      await page.locator('#runs tr[data-run="local:ui-twin"]').waitFor();
      assert.equal(await page.locator('#runs tr[data-run="ui-twin"]').count(), 0);

      await page.goto(`${ui!.url}#/`);
      await page.locator('#runs tr[data-run="ui-twin"]').click();
      await page.locator('main p.muted', { hasText: `namespace ${ns.name}` }).waitFor();
      await page.locator('#steps tr[data-step="hello"][data-phase="Succeeded"]').click({ timeout: 90_000 });
      await page.locator('#logs', { hasText: 'hello from the cluster' }).waitFor({ timeout: 30_000 });
      await page.locator('#workflow-link').click();
      await page.locator('main p.muted', { hasText: 'From Workflow ui-twin' }).waitFor();
      await page.locator('#runs tr[data-run="ui-twin"]').waitFor();
      assert.equal(await page.locator('#runs tr[data-run="local:ui-twin"]').count(), 0);
      await page.close();
    });

    test('Cancel on the WorkflowRun sets its spec.cancel and leaves the local run of the same name waiting', async () => {
      const page = await open('#/run/ui-twin');
      await page.locator('#cancel').click();
      await page.locator('#notice', { hasText: 'Cancelling ui-twin' }).waitFor();
      assert.equal(await clusterRun('.spec.cancel'), 'true');
      await page.locator('h1 .phase[data-phase="Cancelled"]').waitFor({ timeout: 90_000 });
      const local = await localRun();
      assert.equal(local.phase, 'AwaitingApproval', local.text);
      await page.close();
    });

    test('Approve and Resume on the local run continue it in the state directory and write nothing to the WorkflowRun', async () => {
      const page = await open('#/run/local%3Aui-twin');
      await page.locator('#approve-ship').click();
      await page.locator('#notice', { hasText: 'Approved ship of ui-twin' }).waitFor();
      await page.locator('#resume').click();
      await page.locator('h1 .phase[data-phase="Succeeded"]').waitFor({ timeout: 60_000 });
      await page.locator('#steps tr[data-step="ship"]').click();
      await page.locator('#logs', { hasText: 'shipped' }).waitFor();
      assert.equal((await localRun()).phase, 'Succeeded');
      assert.equal(await clusterRun('.spec.approvals'), '', 'no approval was written to the WorkflowRun');
      assert.equal(await clusterRun('.status.phase'), 'Cancelled');
      await page.close();
    });
  },
);
