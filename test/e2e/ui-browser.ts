// The pieces of a browser test of `conveyor ui`: Debian's Chromium driven by playwright-core (no
// browser download), and the UI started as users start it, with the URL it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { BIN, REPO } from './cli-harness.ts';

const CANDIDATES = ['/usr/lib/chromium/chromium', '/usr/bin/chromium', '/usr/bin/chromium-browser'];
export const CHROMIUM = CANDIDATES.find((p) => existsSync(p));

/** Skip locally without Chromium; in CI (which installs it) a missing browser fails instead. */
export const noBrowser =
  CHROMIUM || process.env.CI ? false : 'chromium is not installed (apt-get install chromium)';

export function launchBrowser(): Promise<Browser> {
  if (!CHROMIUM) throw new Error(`no Chromium at ${CANDIDATES.join(', ')} (apt-get install chromium)`);
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
}

export interface BrowserPage {
  readonly browser: Browser;
  readonly page: Page;
  /**
   * What must never happen on the UI's pages, as it happened: a Content Security Policy violation
   * reported on the console, or a dialog (dismissed; the UI opens none).
   */
  readonly problems: string[];
}

/** A browser with one page, recording its problems from the start. */
export async function openBrowserPage(): Promise<BrowserPage> {
  const browser = await launchBrowser();
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) problems.push(m.text());
  });
  page.on('dialog', (d) => {
    problems.push(`a dialog opened: ${d.message()}`);
    void d.dismiss();
  });
  return { browser, page, problems };
}

export interface RunningUi {
  readonly url: string;
  readonly process: ChildProcess;
  /** What it printed so far (the last 20,000 characters), for a failure's message. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `conveyor ui ARGS` and resolves with the URL it prints. */
export function startUi(args: readonly string[], env: Record<string, string> = {}): Promise<RunningUi> {
  const child = spawn(process.execPath, [BIN, 'ui', ...args], {
    cwd: REPO,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`conveyor ui printed no URL:\n${output}`)), 60_000);
    const onData = (d: Buffer) => {
      output = (output + d.toString()).slice(-20_000);
      const url = /http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+/.exec(output)?.[0];
      if (!url) return;
      clearTimeout(timer);
      resolve({
        url,
        process: child,
        output: () => output,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`conveyor ui exited ${code}:\n${output}`)));
  });
}

/** On the page of a local run of gatedWorkflow: it says where it lives, and its step hello's output shows. */
export async function showsLocalGatedRun(page: Page, stateDir: string): Promise<void> {
  await page.locator('main p.muted', { hasText: `state directory ${stateDir}` }).waitFor();
  await page.locator('#steps tr[data-step="hello"]').click();
  await page.locator('#logs', { hasText: 'hello from the local side' }).waitFor();
}

/** On the page of run `runId` of gatedWorkflow: Approve ship, then Resume, and it ends Succeeded. */
export async function approveShipAndResume(page: Page, runId: string): Promise<void> {
  await page.locator('#approve-ship').click();
  await page.locator('#notice', { hasText: `Approved ship of ${runId}` }).waitFor();
  await page.locator('#resume').click();
  await page.locator('h1 .phase[data-phase="Succeeded"]').waitFor({ timeout: 60_000 });
}
