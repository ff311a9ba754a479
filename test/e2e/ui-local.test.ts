// `conveyor ui` on a local state directory, in a real browser (Debian's Chromium through
// playwright-core): requests without the token are refused; the runs list shows a run waiting for
// approval first; the run page draws every step of the graph coloured by phase and shows a step's
// output; Approve records the decision exactly as `conveyor approve` does; Resume continues the run
// and the page follows it to Succeeded live (server-sent events, no reload); no CSP violation.
import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { conveyor, REPO, tempDir } from './cli-harness.ts';
import { noBrowser, openBrowserPage, startUi, type RunningUi } from './ui-browser.ts';

const WORKFLOW = `name: gated-release
steps:
  - name: build
    command: echo "built artefact 1.2.3"
  - name: checks
    parallel: true
    steps:
      - name: unit
        command: echo unit tests passed
      - name: lint
        command: echo lint clean
  - name: ship
    command: echo shipped
    manual_approval: true
    depends_on: [checks]
`;

describe('conveyor ui on a local state directory', { skip: noBrowser }, () => {
  const dir = tempDir('conveyor-ui-');
  const stateDir = join(dir, 'state');
  let ui: RunningUi;
  let browser: Browser;
  let page: Page;
  let runId: string;
  let problems: string[] = [];

  before(async () => {
    writeFileSync(join(dir, 'release.yaml'), WORKFLOW);
    const run = await conveyor([
      'run',
      join(dir, 'release.yaml'),
      '--state-dir',
      stateDir,
      '--output',
      'json',
    ]);
    assert.equal(run.code, 3, run.stderr);
    runId = (JSON.parse(run.stdout) as { run_id: string }).run_id;
    ui = await startUi(['--state-dir', stateDir], { USER: 'release-manager' });
    ({ browser, page, problems } = await openBrowserPage());
  });

  after(async () => {
    await browser?.close();
    await ui?.stop();
  });

  test('refuses requests without the token, and serves a strict Content-Security-Policy', async () => {
    const base = ui.url.replace(/\?token=.*$/, '');
    for (const path of ['', 'api/runs', `api/runs/${runId}`, 'app.js']) {
      const res = await fetch(`${base}${path}`);
      assert.equal(res.status, 403, path);
    }
    const wrong = await fetch(`${base}api/runs?token=not-the-token`);
    assert.equal(wrong.status, 403);
    const page = await fetch(ui.url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self'/);
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    const forged = await fetch(ui.url.replace('/?', `/api/runs/${runId}/approve?`), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'http://evil.example' },
      body: JSON.stringify({ step: 'ship' }),
    });
    assert.equal(forged.status, 403, 'a request from another origin is refused');
  });

  test('lists the run waiting for approval, and its page shows every step coloured by phase', async () => {
    await page.goto(ui.url);
    const row = page.locator(`tr[data-run="${runId}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /AwaitingApproval[\s\S]*ship/);
    await row.click();
    await page.locator('#graph svg').waitFor();
    for (const [step, phase] of [
      ['build', 'Succeeded'],
      ['unit', 'Succeeded'],
      ['lint', 'Succeeded'],
      ['ship', 'AwaitingApproval'],
    ]) {
      await page.locator(`#graph g.step[data-step="${step}"][data-phase="${phase}"]`).waitFor();
    }
    await page.locator('#graph g.group[data-step="checks"]').waitFor();
    await page.locator('#steps tr[data-step="build"]').click();
    await page.locator('#logs', { hasText: 'built artefact 1.2.3' }).waitFor();
  });

  test('a comment being typed survives the page being drawn again when the run changes', async () => {
    await page.locator('#comment-ship').fill('half a thought');
    // Mark this drawing of the page, then touch the run's state file, as a run that moves on in
    // another branch while a step waits writes it.
    await page.evaluate("document.getElementById('graph').setAttribute('data-old', '')");
    const now = new Date();
    utimesSync(join(stateDir, 'runs', runId, 'state.json'), now, now);
    await page.locator('#graph:not([data-old])').waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('#comment-ship').inputValue(), 'half a thought');
  });

  test('Approve records the decision as conveyor approve does, and Resume runs on live to Succeeded', async () => {
    // Resuming before a decision would only wait again: offered once there is one.
    assert.equal(await page.locator('#resume').count(), 0);
    await page.locator('#comment-ship').fill('LGTM <b>not markup</b>');
    await page.locator('#approve-ship').click();
    await page.locator('#notice', { hasText: `Approved ship of ${runId} as release-manager` }).waitFor();
    // A comment sent is not kept for the next decision (empty, the box shows its placeholder).
    await page.locator('#comment-ship:placeholder-shown').waitFor();
    await page.locator('#resume').click();
    // No reload: the page hears of the state file's changes through server-sent events.
    await page
      .locator('#graph g.step[data-step="ship"][data-phase="Succeeded"]')
      .waitFor({ timeout: 60_000 });
    await page.locator('h1 .phase[data-phase="Succeeded"]').waitFor();
    // CONVEYOR_UI_SCREENSHOTS=1 refreshes the README's picture of the run page.
    if (process.env.CONVEYOR_UI_SCREENSHOTS === '1') {
      mkdirSync(join(REPO, 'docs', 'images'), { recursive: true });
      // The top of the page only (graph, approvals, timeline): the committed image stays small.
      await page.setViewportSize({ width: 1100, height: 900 });
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({ path: join(REPO, 'docs', 'images', 'ui-local-run.png') });
    }
    const history = await conveyor(['history', '--state-dir', stateDir, '--output', 'json']);
    assert.match(history.stdout, /Succeeded/);
    assert.deepEqual(problems, []);
  });
});
