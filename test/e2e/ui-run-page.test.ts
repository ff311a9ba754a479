// The run page of `conveyor ui` in a real browser (Debian's Chromium through playwright-core), on
// local runs made by the real CLI: every attempt of a retried step with its exit code, in the steps
// table and as bars of the timeline; the outputs, the conditions and the journal's events; the
// selected step's output arriving while the step still runs; Roll back running the workflow's
// rollback steps exactly as `conveyor rollback` does; and text a user controls (their user name, a
// step's output, an approval comment) shown as text, never as markup.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page, Request } from 'playwright-core';
import { BIN, conveyor, REPO, tempDir } from './cli-harness.ts';
import { noBrowser, openBrowserPage, startUi, type RunningUi } from './ui-browser.ts';

const HOSTILE = '<img src=x onerror="window.__pwned=1">';

function workflow(dir: string): string {
  return `name: release
steps:
  - name: version
    command: printf '%s\\n' '${HOSTILE}1.2.3'
    capture_output: version
  - name: optional
    when: "false"
    command: echo never
  - name: flaky
    command: test -f ${dir}/tried || { touch ${dir}/tried; echo failing once; exit 3; }
    retry:
      attempts: 2
      delay: 1s
  - name: migrate
    command: echo migrating; exit 4
rollback:
  enabled: true
  automatic: false
  steps:
    - name: restore
      command: echo restored
`;
}

function slowWorkflow(dir: string): string {
  return `name: slow
steps:
  - name: stream
    command: echo first line; while [ ! -f ${dir}/go ]; do sleep 0.1; done; echo second line
`;
}

describe('the run page of conveyor ui', { skip: noBrowser }, () => {
  const dir = tempDir('conveyor-ui-run-');
  const stateDir = join(dir, 'state');
  let ui: RunningUi;
  let browser: Browser;
  let page: Page;
  let runId: string;
  let problems: string[] = [];

  before(async () => {
    writeFileSync(join(dir, 'release.yaml'), workflow(dir));
    const run = await conveyor(['run', join(dir, 'release.yaml'), '--state-dir', stateDir, '-o', 'json'], {
      env: { USER: HOSTILE },
    });
    assert.equal(run.code, 1, run.stderr);
    runId = (JSON.parse(run.stdout) as { run_id: string }).run_id;
    ui = await startUi(['--state-dir', stateDir]);
    ({ browser, page, problems } = await openBrowserPage());
    await page.goto(`${ui.url}#/run/${runId}`);
    await page.locator('h1 .phase[data-phase="Failed"]').waitFor();
  });

  after(async () => {
    await browser?.close();
    await ui?.stop();
  });

  test('shows every attempt of a retried step with its exit code, in the table and the timeline', async () => {
    const attempts = page.locator('#steps tr[data-step="flaky"] td.attempts');
    assert.equal(await attempts.locator('[data-attempt="1"]').innerText(), '#1: Failed (exit 3)');
    assert.equal(await attempts.locator('[data-attempt="2"]').innerText(), '#2: Succeeded (exit 0)');
    assert.match(
      await page.locator('#steps tr[data-step="migrate"]').innerText(),
      /Failed[\s\S]*exit 4\)\s+4/,
    );
    const row = page.locator('#timeline g.timeline-row[data-step="flaky"]');
    await row.locator('rect[data-attempt="1"][data-outcome="Failed"]').waitFor();
    await row.locator('rect[data-attempt="2"][data-outcome="Succeeded"]').waitFor();
    // The steps in the order they ran, each attempt a bar that starts where the one before ended.
    const bars = await page
      .locator('#timeline rect.bar')
      .evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('x'))));
    assert.equal(bars.length, 4, 'version, two tries of flaky, migrate');
    assert.deepEqual(
      [...bars].sort((a, b) => a - b),
      bars,
    );
    // A run of a second or two: ticks at round fractions of a second, no label twice ("+0s +0s +1s").
    const ticks = await page.locator('#timeline text.tick-label').allTextContents();
    assert.equal(ticks[0], '+0s');
    assert.ok(ticks.length >= 2, ticks.join(' '));
    assert.equal(new Set(ticks).size, ticks.length, ticks.join(' '));
  });

  test("shows the outputs, the run's conditions and the journal's events", async () => {
    assert.equal(
      await page.locator('#outputs tr[data-output="version"] td pre').innerText(),
      `${HOSTILE}1.2.3`,
    );
    await page.locator('#conditions tr[data-condition="Ready"][data-status="False"]').waitFor();
    assert.match(
      await page.locator('#conditions tr[data-condition="Succeeded"]').innerText(),
      /False\s+StepFailed|False\s+\w+/,
    );
    assert.match(await page.locator('#raised').innerText(), /step_failed/);
    assert.match(
      await page
        .locator('#events tr[data-reason="AttemptFinished"]')
        .allInnerTexts()
        .then((t) => t.join('\n')),
      /flaky attempt 1 exited 3[\s\S]*migrate attempt \d+ exited 4/,
    );
    await page.locator('#events tr[data-reason="Failed"]').first().waitFor();
  });

  test('shows what users control as text: a user name, an output', async () => {
    assert.match(await page.locator('main p.muted').first().innerText(), /started by <img src=x onerror=/);
    assert.equal(await page.locator('#view img').count(), 0);
    assert.equal(await page.evaluate('window.__pwned'), undefined);
  });

  test('says that a step that never ran has no output, once nothing more can come', async () => {
    await page.locator('#steps tr[data-step="optional"][data-phase="Skipped"]').click();
    await page.locator('#logs', { hasText: /^\(no output\)$/ }).waitFor();
  });

  test("a run's page is not drawn again when another run changes", async () => {
    const asked: string[] = [];
    const onRequest = (request: Request) => {
      if (new URL(request.url()).pathname === `/api/runs/${runId}`) asked.push(request.url());
    };
    page.on('request', onRequest);
    try {
      const before = Number((await page.locator('#live').getAttribute('data-changes')) ?? 0);
      writeFileSync(join(dir, 'other.yaml'), 'name: other\nsteps:\n  - name: one\n    command: echo one\n');
      const other = await conveyor(['run', join(dir, 'other.yaml'), '--state-dir', stateDir]);
      assert.equal(other.code, 0, other.stderr);
      // The page heard of the other run's change, and did not ask for this run again.
      await page.locator(`#live[data-changes]:not([data-changes="${before}"])`).waitFor({ timeout: 30_000 });
    } finally {
      page.off('request', onRequest);
    }
    assert.deepEqual(asked, []);
  });

  test('Roll back runs the rollback steps as conveyor rollback does, and the page follows it', async () => {
    await page.locator('#rollback').click();
    await page.locator('#notice', { hasText: `Rolling back ${runId} (conveyor rollback ${runId}` }).waitFor();
    await page.locator('#steps tr[data-step="restore"][data-phase="Succeeded"]').waitFor({ timeout: 60_000 });
    await page
      .locator('#timeline g.timeline-row[data-step="restore"] rect[data-outcome="Succeeded"]')
      .waitFor();
    await page.locator('#events tr[data-reason="Round"]', { hasText: 'conveyor rollback' }).waitFor();
    // Once only: the engine takes one manual rollback per run, and the button is gone.
    assert.equal(await page.locator('#rollback').count(), 0);
    const again = await conveyor(['rollback', runId, '--state-dir', stateDir]);
    assert.equal(again.code, 2, again.stdout);
    assert.match(again.stderr, /already rolled back by hand/);
    await page.locator('#steps tr[data-step="restore"]').click();
    await page.locator('#logs', { hasText: 'restored' }).waitFor();
    // CONVEYOR_UI_SCREENSHOTS=1 refreshes the README's picture of the run page (the viewport only,
    // to keep the committed image small).
    if (process.env.CONVEYOR_UI_SCREENSHOTS === '1') {
      await page.setViewportSize({ width: 1100, height: 1250 });
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({ path: join(REPO, 'docs', 'images', 'ui-run-page.png') });
    }
  });

  test('Cancel ends a local run another process works on, as conveyor terminate does', async () => {
    writeFileSync(join(dir, 'hang.yaml'), 'name: hang\nsteps:\n  - name: wait\n    command: sleep 120\n');
    const child = spawn(
      process.execPath,
      [BIN, 'run', join(dir, 'hang.yaml'), '--state-dir', stateDir, '--run-id', 'hang-1'],
      { cwd: REPO, env: { ...process.env, CI: 'true' }, stdio: 'ignore' },
    );
    const ended = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await page.goto(`${ui.url}#/run/hang-1`);
      await page.locator('#steps tr[data-step="wait"][data-phase="Running"]').waitFor({ timeout: 30_000 });
      await page.locator('#cancel').click({ timeout: 30_000 });
      await page.locator('h1 .phase[data-phase="Cancelled"]').waitFor({ timeout: 30_000 });
      assert.equal(await ended, 130, 'the run process ends as a cancelled run');
    } finally {
      child.kill('SIGKILL');
    }
    assert.deepEqual(problems, []);
  });

  test('shows who started a run without $USER, and counts its duration on while nothing changes', async () => {
    writeFileSync(join(dir, 'quiet.yaml'), 'name: quiet\nsteps:\n  - name: hold\n    command: sleep 120\n');
    // As under cron, systemd or in a container: no USER in the environment.
    const { USER: _user, ...env } = process.env;
    const child = spawn(
      process.execPath,
      [BIN, 'run', join(dir, 'quiet.yaml'), '--state-dir', stateDir, '--run-id', 'quiet-1'],
      { cwd: REPO, env: { ...env, CI: 'true' }, stdio: 'ignore' },
    );
    const ended = new Promise((resolve) => child.once('exit', resolve));
    try {
      await page.goto(`${ui.url}#/`);
      const row = page.locator('#runs tr[data-run="quiet-1"]');
      await row.locator('.phase[data-phase="Running"]').waitFor({ timeout: 30_000 });
      assert.match(await row.innerText(), new RegExp(`\\t${userInfo().username}\\t`));
      // The step sleeps and the run's state stays as it is: no change is announced, and yet the
      // durations go on, in the list and on the run's page.
      const counts = async (cell: Locator) => {
        const first = await cell.innerText();
        await cell
          .filter({ hasNotText: new RegExp(`^${first}$`) })
          .waitFor({ timeout: 10_000 })
          .catch(() => assert.fail(`the duration stayed ${first}`));
      };
      // The Duration column of either table.
      await counts(row.locator('td:nth-child(5)'));
      await row.click();
      await counts(page.locator('#steps tr[data-step="hold"] td:nth-child(5)'));
    } finally {
      child.kill('SIGKILL');
      await ended;
    }
  });

  test("streams a running step's output while it runs, through one server-sent event stream", async () => {
    writeFileSync(join(dir, 'slow.yaml'), slowWorkflow(dir));
    // What the page asks for the step's output: one stream that stays open, not a request a second.
    const asked: string[] = [];
    const onRequest = (request: Request) => {
      if (request.url().includes('/api/runs/slow-1/logs')) asked.push(request.resourceType());
    };
    page.on('request', onRequest);
    const child = spawn(
      process.execPath,
      [BIN, 'run', join(dir, 'slow.yaml'), '--state-dir', stateDir, '--run-id', 'slow-1'],
      { cwd: REPO, env: { ...process.env, CI: 'true' }, stdio: 'ignore' },
    );
    const ended = new Promise((resolve) => child.once('exit', resolve));
    try {
      await page.goto(`${ui.url}#/run/slow-1`);
      await page.locator('#steps tr[data-step="stream"][data-phase="Running"]').click({ timeout: 30_000 });
      await page.locator('#logs', { hasText: 'first line' }).waitFor();
      assert.doesNotMatch(await page.locator('#logs').innerText(), /second line/);
      writeFileSync(join(dir, 'go'), '');
      await page.locator('#logs', { hasText: 'second line' }).waitFor({ timeout: 30_000 });
      await page.locator('h1 .phase[data-phase="Succeeded"]').waitFor({ timeout: 30_000 });
      assert.match(await page.locator('#logs').innerText(), /first line\nsecond line/);
    } finally {
      page.off('request', onRequest);
      if (!existsSync(join(dir, 'go'))) writeFileSync(join(dir, 'go'), '');
      await ended;
    }
    assert.deepEqual(asked, ['eventsource']);
    assert.deepEqual(problems, []);
  });
});
