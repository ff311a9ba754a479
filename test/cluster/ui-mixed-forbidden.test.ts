// `conveyor ui --cluster -n NS --state-dir DIR` as a user who may not list WorkflowRuns in NS, in a
// real browser against the test control plane: the local runs are listed and can be acted on, and
// the page names the API server's Forbidden message, once, with what the user needs, instead of
// failing as a whole; once the user may list WorkflowRuns, the namespace's WorkflowRun comes, with a
// note that the list is not live while the user may not watch them; once the user may, the note goes,
// without a reload.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { gatedWorkflow, runLocal, submitRun, tempDir } from '../e2e/cli-harness.ts';
import {
  approveShipAndResume,
  launchBrowser,
  noBrowser,
  type RunningUi,
  showsLocalGatedRun,
  startUi,
} from '../e2e/ui-browser.ts';
import { apply, createNamespace } from './kubectl.ts';
import { installCrds } from './install-crds.ts';
import { useCluster } from './use-cluster.ts';

const suite = await useCluster();

/** Authenticated, and given no right anywhere by any test. */
const OUTSIDER = 'ui-outsider';

const GATED = gatedWorkflow('forbidden-gated');

describe(
  'conveyor ui over local runs and a namespace whose WorkflowRuns the user may not list',
  { skip: suite.options.skip || noBrowser },
  () => {
    let ns: { name: string; remove: () => Promise<void> };
    let ui: RunningUi | undefined;
    let browser: Browser;
    let page: Page;
    const work = tempDir('conveyor-ui-forbidden-');
    const stateDir = join(work, 'state');

    before(async () => {
      const { kubeconfig } = suite.get();
      await installCrds(kubeconfig);
      ns = await createNamespace('ui-forbidden', kubeconfig);
      const file = join(work, 'forbidden-gated.yaml');
      writeFileSync(file, GATED);
      // No controller: the WorkflowRun only has to be listed.
      await submitRun(file, ns.name, 'forbidden-remote', kubeconfig);
      // Exit 3: the local run waits for the approval of ship.
      await runLocal(file, stateDir, 'forbidden-local', 3);
      ui = await startUi(['--cluster', '-n', ns.name, '--state-dir', stateDir], {
        KUBECONFIG: await suite.get().kubeconfigFor(OUTSIDER),
      });
      browser = await launchBrowser();
      page = await browser.newPage();
    });

    after(async () => {
      await browser?.close();
      await ui?.stop();
      await ns?.remove();
    });

    test("lists the local runs beside the API server's Forbidden message, and acts on them", async () => {
      await page.goto(ui!.url);
      const local = page.locator('#runs tr[data-run="local:forbidden-local"]');
      await local.waitFor();
      assert.equal(await local.locator('td.namespace').innerText(), 'local');
      const note = page.locator('.unavailable');
      assert.equal(await note.count(), 1, 'one note for the namespace, not one per request');
      const text = await note.innerText();
      // What it takes, as the fix is likely a binding to the role the chart ships.
      assert.match(
        text,
        /needs get, list and watch on workflowruns\.conveyor\.dev and workflows\.conveyor\.dev/,
      );
      assert.match(text, /conveyor-approver/);
      assert.match(
        text,
        new RegExp(
          `workflowruns\\.conveyor\\.dev is forbidden: User "${OUTSIDER}" cannot list resource "workflowruns" in API group "conveyor\\.dev" in the namespace "${ns.name}"`,
        ),
      );
      assert.equal(await page.locator('#runs tr[data-run="forbidden-remote"]').count(), 0);
      assert.equal(await page.locator('#notice').isHidden(), true, 'the list itself did not fail');
      await page.locator('#workflows li[data-workflow="local:forbidden-gated"]').waitFor();

      await local.click();
      await showsLocalGatedRun(page, stateDir);
      await approveShipAndResume(page, 'forbidden-local');
    });

    test('the WorkflowRun comes once the user may list it, with a note that the list is not live until the user may watch too; then the note goes, without a reload', async () => {
      await page.locator('#home').click();
      const note = page.locator('.unavailable');
      await note.waitFor();
      const { kubeconfig } = suite.get();
      const grant = (verbs: string[]) =>
        apply(
          [
            {
              apiVersion: 'rbac.authorization.k8s.io/v1',
              kind: 'Role',
              metadata: { name: 'ui-reader', namespace: ns.name },
              rules: [{ apiGroups: ['conveyor.dev'], resources: ['workflowruns', 'workflows'], verbs }],
            },
            {
              apiVersion: 'rbac.authorization.k8s.io/v1',
              kind: 'RoleBinding',
              metadata: { name: 'ui-reader', namespace: ns.name },
              roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'ui-reader' },
              subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: OUTSIDER }],
            },
          ],
          { kubeconfig, namespace: ns.name },
        );
      // Listing, but not watching: the WorkflowRun is listed, and the note says the list is not live.
      await grant(['get', 'list']);
      await page.locator('#runs tr[data-run="forbidden-remote"]').waitFor({ timeout: 90_000 });
      const notLive = page.locator('.unavailable', { hasText: 'are not live' });
      await notLive.waitFor({ timeout: 60_000 });
      assert.match(await notLive.innerText(), /cannot watch resource "workflowruns"/);
      assert.match(await notLive.innerText(), /Watch on workflowruns\.conveyor\.dev makes it live/);
      assert.equal(await page.locator('.unavailable').count(), 1, 'one note');

      // With watch too, the note goes without a reload.
      await grant(['get', 'list', 'watch']);
      await note.waitFor({ state: 'detached', timeout: 90_000 });
      assert.equal(await page.locator('#runs tr[data-run="forbidden-remote"]').count(), 1);
      await page
        .locator('#runs tr[data-run="local:forbidden-local"] .phase[data-phase="Succeeded"]')
        .waitFor();
    });
  },
);
