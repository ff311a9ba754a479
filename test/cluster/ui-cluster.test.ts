// `conveyor ui --cluster` in a real browser (Debian's Chromium through playwright-core) against
// real runs on the test control plane, each person with their own kubeconfig: the run page draws
// every step and follows the phases live as Jobs finish; it shows who may approve and the four-eyes
// rule; an unlisted user's Approve shows the API server's refusal (the admission policy's own
// words); the listed approver's click continues the run to Succeeded, without a reload. A failed
// run's page shows each attempt's exit code, the timeline, the conditions and the controller's
// Events; Roll back, Retry and Cancel make exactly the changes conveyor rollback, retry and cancel
// make; a Workflow's page shows its schedules with their next fire times.
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

const FAILING = `name: ui-failing
schedules:
  - name: yearly
    cron: "0 3 1 1 *"
    timezone: America/New_York
steps:
  - name: deploy
    command: echo deploying; exit 3
    retry:
      attempts: 2
      delay: 1s
rollback:
  enabled: true
  automatic: false
  steps:
    - name: restore
      command: echo restored
`;

const SLOW = `name: ui-slow
steps:
  - name: wait
    command: sleep 600
`;

describe('conveyor ui against a cluster', { skip: suite.options.skip || noBrowser }, () => {
  let ns: { name: string; remove: () => Promise<void> };
  let admin: KubectlOptions;
  let controller: ControllerProcess | undefined;
  const uis: RunningUi[] = [];
  let browser: Browser;
  let runName: string;
  const work = mkdtempSync(join(tmpdir(), 'conveyor-ui-cluster-'));

  const uiAs = async (user: string, run = runName): Promise<Page> => {
    const ui = await startUi(['--cluster', '-n', ns.name], {
      KUBECONFIG: user === 'admin' ? suite.get().kubeconfig : await suite.get().kubeconfigFor(user),
    });
    uis.push(ui);
    const page = await browser.newPage();
    await page.goto(`${ui.url}#/run/${run}`);
    return page;
  };

  /** `conveyor run FILE --cluster --detach` as the admin: applies the Workflow, starts the run. */
  const startRun = async (file: string, text: string, name: string): Promise<string> => {
    writeFileSync(join(work, file), text);
    const started = await new Promise<{ code: number; out: string }>((resolve) =>
      execFile(
        process.execPath,
        [
          join(REPO_ROOT, 'bin', 'conveyor.js'),
          'run',
          join(work, file),
          '--cluster',
          '-n',
          ns.name,
          '--run-id',
          name,
          '--detach',
        ],
        { env: { ...process.env, KUBECONFIG: suite.get().kubeconfig, CI: '1' } },
        (error, stdout, stderr) => resolve({ code: error ? 1 : 0, out: stdout + stderr }),
      ),
    );
    assert.equal(started.code, 0, started.out);
    return name;
  };

  const specOf = async (run: string, field: string): Promise<string> =>
    (await kubectl(['get', 'workflowruns.conveyor.dev', run, '-o', `jsonpath={.spec.${field}}`], admin))
      .stdout;

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
    runName = await startRun('release.yaml', WORKFLOW, 'ui-release-1');
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
    const approval = await page.locator('[data-approval="ship"]').innerText();
    assert.match(approval, /users \[alice\]/);
    // The run was started by the admin's identity: the four-eyes rule names who may not approve.
    const creator = await kubectl(
      [
        'get',
        'workflowruns.conveyor.dev',
        runName,
        '-o',
        'jsonpath={.metadata.annotations.conveyor\\.dev/created-by}',
      ],
      admin,
    );
    assert.ok(
      approval.includes(`Four eyes: the person who started the run (${creator.stdout}) may not approve it.`),
      approval,
    );
    assert.match(
      await page.locator('#timeline g.timeline-row[data-step="build"]').innerHTML(),
      /data-outcome="Succeeded"/,
    );
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
  });

  test("a failed run's page shows each attempt's exit code, the timeline, the conditions and the Events", async () => {
    const failing = await startRun('failing.yaml', FAILING, 'ui-failing-1');
    const page = await uiAs('admin', failing);
    await page.locator('h1 .phase[data-phase="Failed"]').waitFor({ timeout: 90_000 });
    const attempts = page.locator('#steps tr[data-step="deploy"] td.attempts');
    assert.equal(await attempts.locator('[data-attempt="1"]').innerText(), '#1: Failed (exit 3)');
    assert.equal(await attempts.locator('[data-attempt="2"]').innerText(), '#2: Failed (exit 3)');
    const row = page.locator('#timeline g.timeline-row[data-step="deploy"]');
    assert.equal(await row.locator('rect[data-outcome="Failed"]').count(), 2);
    await page.locator('#conditions tr[data-condition="Ready"][data-status="False"]').waitFor();
    await page.locator('#conditions tr[data-condition="Stalled"][data-status="True"]').waitFor();
    assert.match(await page.locator('#raised').innerText(), /step_failed/);
    // The controller's Events on the run, as kubectl describe shows them.
    await page
      .locator('#events tr.event-Warning[data-reason="StepFailed"]')
      .first()
      .waitFor({ timeout: 30_000 });
    await page.locator('#steps tr[data-step="deploy"]').click();
    await page.locator('#logs', { hasText: 'deploying' }).waitFor();
  });

  test('Roll back sets spec.rollback as conveyor rollback does, and the rollback steps run', async () => {
    const page = await uiAs('admin', 'ui-failing-1');
    await page.locator('#rollback').click();
    await page.locator('#notice', { hasText: 'Rolling back ui-failing-1: the controller runs' }).waitFor();
    assert.equal(await specOf('ui-failing-1', 'rollback'), 'true');
    await page.locator('#steps tr[data-step="restore"][data-phase="Succeeded"]').waitFor({ timeout: 90_000 });
    assert.equal(await page.locator('#rollback').count(), 0, 'offered once');
  });

  test('Retry creates a new WorkflowRun as conveyor retry does, and opens it', async () => {
    const page = await uiAs('admin', 'ui-failing-1');
    await page.locator('#retry').click();
    await page.locator('#notice', { hasText: 'Retrying ui-failing-1 as ' }).waitFor();
    await page.waitForURL(/#\/run\/ui-failing-/);
    const retried = decodeURIComponent(new URL(page.url()).hash.replace('#/run/', ''));
    assert.notEqual(retried, 'ui-failing-1');
    assert.equal(await specOf(retried, 'workflowRef.name'), 'ui-failing');
    await page.locator('#steps tr[data-step="deploy"]').waitFor({ timeout: 60_000 });
  });

  test('Cancel sets spec.cancel as conveyor cancel does, and the run ends Cancelled', async () => {
    const slow = await startRun('slow.yaml', SLOW, 'ui-slow-1');
    const page = await uiAs('admin', slow);
    await page.locator('#steps tr[data-step="wait"][data-phase="Running"]').waitFor({ timeout: 90_000 });
    await page.locator('#cancel').click();
    await page.locator('#notice', { hasText: 'Cancelling ui-slow-1' }).waitFor();
    assert.equal(await specOf(slow, 'cancel'), 'true');
    await page.locator('h1 .phase[data-phase="Cancelled"]').waitFor({ timeout: 90_000 });
    assert.equal(await page.locator('#cancel').count(), 0);
  });

  test("a Workflow's page shows its schedules with their next fire times, and its runs", async () => {
    const page = await uiAs('admin', 'ui-failing-1');
    await page.locator('#workflow-link').click();
    await page.locator('#schedules tr[data-schedule="yearly"]').waitFor();
    assert.match(
      await page.locator('#schedules tr[data-schedule="yearly"]').innerText(),
      /America\/New_York/,
    );
    const times = await page
      .locator('#schedules tr[data-schedule="yearly"] td.next div')
      .evaluateAll((divs) => divs.map((d) => new Date(Number(d.getAttribute('data-at'))).toISOString()));
    // 03:00 in New York on 1 January is 08:00 UTC (EST), three years running.
    assert.equal(times.length, 3);
    for (const t of times) assert.match(t, /^\d{4}-01-01T08:00:00\.000Z$/);
    await page.locator('#runs tr[data-run="ui-failing-1"]').waitFor();
    await page.locator('#graph g.step[data-step="deploy"]').waitFor();
  });
});
