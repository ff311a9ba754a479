// The workflow page and the runs list of `conveyor ui` in a real browser (Debian's Chromium through
// playwright-core), on local runs made by the real CLI: the workflow's graph, parameters and
// schedules with their next fire times in each schedule's time zone; its recent runs; the runs list
// filtered by workflow and phase; Retry starting a new run exactly as `conveyor retry` does and
// opening it; a hostile description shown as text.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CronExpressionParser } from 'cron-parser';
import type { Browser, Page } from 'playwright-core';
import { conveyor, tempDir } from './cli-harness.ts';
import { noBrowser, openBrowserPage, startUi, type RunningUi } from './ui-browser.ts';

const HOSTILE = '<img src=x onerror="window.__pwned=1">';

const BACKUP = `name: nightly-backup
description: 'Backs up the database ${HOSTILE}'
parameters:
  - name: target
    type: string
    required: true
    description: 'where to ${HOSTILE}'
  - name: keep
    type: integer
    default: 7
schedules:
  - name: nightly
    cron: "30 2 * * *"
    timezone: Europe/Berlin
    parameters:
      target: s3
  - name: weekly
    cron: "0 4 * * 0"
    suspend: true
    parameters:
      target: tape
steps:
  - name: dump
    command: echo dumping {{ .target }}
  - name: verify
    command: echo verified
`;

const DEPLOY = `name: deploy
steps:
  - name: ship
    command: exit 1
`;

describe('the workflow page and the runs list of conveyor ui', { skip: noBrowser }, () => {
  const dir = tempDir('conveyor-ui-workflow-');
  const stateDir = join(dir, 'state');
  let ui: RunningUi;
  let browser: Browser;
  let page: Page;
  let backupRun: string;
  let deployRun: string;
  let problems: string[] = [];

  const run = async (file: string, text: string, args: string[] = []): Promise<string> => {
    writeFileSync(join(dir, file), text);
    const result = await conveyor(['run', join(dir, file), '--state-dir', stateDir, '-o', 'json', ...args]);
    return (JSON.parse(result.stdout) as { run_id: string }).run_id;
  };

  before(async () => {
    backupRun = await run('backup.yaml', BACKUP, ['--set', 'target=disk']);
    deployRun = await run('deploy.yaml', DEPLOY);
    ui = await startUi(['--state-dir', stateDir]);
    ({ browser, page, problems } = await openBrowserPage());
  });

  after(async () => {
    await browser?.close();
    await ui?.stop();
  });

  test('the runs list filters by workflow and by phase, and links each workflow', async () => {
    await page.goto(ui.url);
    await page.locator(`tr[data-run="${backupRun}"]`).waitFor();
    await page.locator(`tr[data-run="${deployRun}"]`).waitFor();
    await page.locator('#filter-workflow').selectOption('deploy');
    await page.locator(`tr[data-run="${backupRun}"]`).waitFor({ state: 'detached' });
    assert.equal(await page.locator('tr.run-row').count(), 1);
    await page.locator('#filter-workflow').selectOption('');
    await page.locator('#filter-phase').selectOption('Succeeded');
    await page.locator(`tr[data-run="${deployRun}"]`).waitFor({ state: 'detached' });
    assert.deepEqual(
      await page.locator('tr.run-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run'))),
      [backupRun],
    );
    await page.locator('#filter-phase').selectOption('');
    await page.locator('#workflows a', { hasText: 'nightly-backup' }).click();
    await page.locator('h1', { hasText: 'nightly-backup' }).waitFor();
  });

  test('the workflow page shows its graph, parameters, schedules with their next fire times, and runs', async () => {
    const before = Date.now();
    await page.goto(`${ui.url}#/workflow/nightly-backup`);
    await page.locator('#graph g.step[data-step="verify"]').waitFor();
    assert.match(
      await page.locator('#parameters tr[data-parameter="target"]').innerText(),
      /target\s+string\s+yes/,
    );
    assert.match(
      await page.locator('#parameters tr[data-parameter="keep"]').innerText(),
      /keep\s+integer\s+7/,
    );
    // The times cron-parser gives for the schedule in its own time zone, three of them.
    const expected = CronExpressionParser.parse('30 2 * * *', {
      tz: 'Europe/Berlin',
      currentDate: new Date(before),
    });
    const times = await page
      .locator('#schedules tr[data-schedule="nightly"] td.next div')
      .evaluateAll((divs) => divs.map((d) => Number(d.getAttribute('data-at'))));
    assert.deepEqual(
      times,
      [1, 2, 3].map(() => expected.next().getTime()),
    );
    assert.match(
      await page.locator('#schedules tr[data-schedule="nightly"]').innerText(),
      /Europe\/Berlin[\s\S]*target="s3"/,
    );
    assert.match(
      await page.locator('#schedules tr[data-schedule="weekly"] td.next').innerText(),
      /suspended/,
    );
    await page.locator(`#runs tr[data-run="${backupRun}"]`).waitFor();
    assert.equal(await page.locator(`#runs tr[data-run="${deployRun}"]`).count(), 0);
  });

  test('a description and a parameter description are shown as text, never as markup', async () => {
    assert.equal(await page.locator('#workflow-description').innerText(), `Backs up the database ${HOSTILE}`);
    assert.match(
      await page.locator('#parameters tr[data-parameter="target"]').innerText(),
      /where to <img src=x/,
    );
    assert.equal(await page.locator('#view img').count(), 0);
    assert.equal(await page.evaluate('window.__pwned'), undefined);
  });

  test('Retry starts a new run of the same workflow and inputs, as conveyor retry does, and opens it', async () => {
    await page.goto(`${ui.url}#/run/${backupRun}`);
    await page.locator('#retry').click();
    await page
      .locator('#notice', { hasText: `Retrying ${backupRun} (conveyor retry ${backupRun} --run-id` })
      .waitFor();
    await page.waitForURL(/#\/run\/nightly-backup-/);
    const retried = decodeURIComponent(new URL(page.url()).hash.replace('#/run/', ''));
    assert.notEqual(retried, backupRun);
    await page.locator('h1 .phase[data-phase="Succeeded"]').waitFor({ timeout: 60_000 });
    await page.locator('#steps tr[data-step="dump"]').click();
    // The same inputs: --set target=disk carried over.
    await page.locator('#logs', { hasText: 'dumping disk' }).waitFor();
    const history = await conveyor(['history', '--state-dir', stateDir, '--output', 'json']);
    assert.match(history.stdout, new RegExp(retried));
    assert.deepEqual(problems, []);
  });
});
