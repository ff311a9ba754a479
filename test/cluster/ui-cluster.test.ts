// `conveyor ui --cluster` in a real browser (Debian's Chromium through playwright-core) against a
// real run on the test control plane, each person with their own kubeconfig: the run page draws
// every step and follows the phases live as Jobs finish; an unlisted user's Approve shows the API
// server's refusal (the admission policy's own words); the listed approver's click continues the
// run to Succeeded, without a reload.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, noBrowser, startUi, type RunningUi } from '../e2e/ui-browser.ts';
import { REPO_ROOT } from './harness.ts';
import { createNamespace, kubectl, type KubectlOptions } from './kubectl.ts';
import { startController, type ControllerProcess } from './controller-process.ts';
import { installCrds } from './install-crds.ts';
import { pollUntil } from './lib/wait.ts';
import { useCluster } from './use-cluster.ts';

const suite = await useCluster();

const WORKFLOW = `name: ui-release
steps:
  - name: build
    command: sleep 2; echo built
  - name: tests
    parallel: true
    steps:
      - name: unit
        command: sleep 1; echo unit ok
      - name: lint
        command: echo lint ok
  - name: ship
    command: echo shipped
    manual_approval: true
    approvers:
      users: [alice]
`;

describe('conveyor ui against a cluster', { skip: suite.options.skip || noBrowser }, () => {
  let ns: { name: string; remove: () => Promise<void> };
  let admin: KubectlOptions;
  let controller: ControllerProcess | undefined;
  const uis: RunningUi[] = [];
  let browser: Browser;
  let runName: string;
  const work = mkdtempSync(join(tmpdir(), 'conveyor-ui-cluster-'));

  const uiAs = async (user: string): Promise<Page> => {
    const ui = await startUi(['--cluster', '-n', ns.name], {
      KUBECONFIG: await suite.get().kubeconfigFor(user),
    });
    uis.push(ui);
    const page = await browser.newPage();
    await page.goto(`${ui.url}#/run/${runName}`);
    return page;
  };

  before(async () => {
    const { kubeconfig } = suite.get();
    await installCrds(kubeconfig, { approvals: true });
    ns = await createNamespace('ui', kubeconfig);
    admin = { kubeconfig, namespace: ns.name };
    // alice (the step's approver) and carol (not one) may read and patch runs here: the chart's role.
    await kubectl(
      [
        'create',
        'rolebinding',
        'approvers',
        '--clusterrole=conveyor-approver',
        '--user=alice',
        '--user=carol',
      ],
      admin,
    );
    controller = startController({ kubeconfig, namespace: ns.name });
    writeFileSync(join(work, 'release.yaml'), WORKFLOW);
    const started = await new Promise<{ code: number; out: string }>((resolve) =>
      execFile(
        process.execPath,
        [
          join(REPO_ROOT, 'bin', 'conveyor.js'),
          'run',
          join(work, 'release.yaml'),
          '--cluster',
          '-n',
          ns.name,
          '--detach',
        ],
        { env: { ...process.env, KUBECONFIG: kubeconfig, CI: '1' } },
        (error, stdout, stderr) => resolve({ code: error ? 1 : 0, out: stdout + stderr }),
      ),
    );
    assert.equal(started.code, 0, started.out);
    runName = await pollUntil(
      async () =>
        (
          await kubectl(['get', 'workflowruns', '-o', 'jsonpath={.items[0].metadata.name}'], admin)
        ).stdout.trim() || undefined,
      { what: 'the run to exist', timeoutMs: 30_000 },
    );
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    for (const ui of uis) await ui.stop();
    await controller?.stop();
    await ns?.remove();
  });

  test('the run page draws every step and follows the phases live as the Jobs finish', async () => {
    const page = await uiAs('alice');
    // Opened while the run starts: the phases arrive through the watch, with no reload.
    for (const [step, phase] of [
      ['build', 'Succeeded'],
      ['unit', 'Succeeded'],
      ['lint', 'Succeeded'],
      ['ship', 'AwaitingApproval'],
    ]) {
      await page
        .locator(`#graph g.step[data-step="${step}"][data-phase="${phase}"]`)
        .waitFor({ timeout: 90_000 });
    }
    await page.locator('#graph g.group[data-step="tests"]').waitFor();
    assert.match(await page.locator('[data-approval="ship"]').innerText(), /users \[alice\]/);
  });

  test("an unlisted user's Approve shows the API server's refusal", async () => {
    const page = await uiAs('carol');
    await page.locator('#approve-ship').click();
    await page
      .locator('#notice', { hasText: 'carol may not approve step ship: the approvers are users [alice]' })
      .waitFor();
    const run = await kubectl(['get', 'workflowrun', runName, '-o', 'jsonpath={.spec.approvals}'], admin);
    assert.equal(run.stdout, '', 'nothing was written');
  });

  test("the listed approver's click continues the run to Succeeded, live", async () => {
    const page = await uiAs('alice');
    await page.locator('#comment-ship').fill('ship it');
    await page.locator('#approve-ship').click();
    await page.locator('#notice', { hasText: `Approved ship of ${runName} as alice` }).waitFor();
    await page
      .locator('#graph g.step[data-step="ship"][data-phase="Succeeded"]')
      .waitFor({ timeout: 90_000 });
    await page.locator('h1 .phase[data-phase="Succeeded"]').waitFor({ timeout: 30_000 });
    const decided = await kubectl(
      ['get', 'workflowrun', runName, '-o', 'jsonpath={.status.approvals.ship.decided.alice.comment}'],
      admin,
    );
    assert.equal(decided.stdout, 'ship it');
    if (process.env.CONVEYOR_UI_SCREENSHOTS === '1')
      await page.screenshot({
        path: join(REPO_ROOT, 'docs', 'images', 'ui-cluster-run.png'),
        fullPage: true,
      });
  });
});
