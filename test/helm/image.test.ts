// The container image's build steps, run without Docker by scripts/build-image.sh (npm ci, build,
// prune to production dependencies, keep package.json/node_modules/dist/bin), and what the image
// runs proven to start from that folder alone. About a minute with a warm npm cache (up to four on
// a loaded machine), so it runs in CI (CI=true) or with CONVEYOR_TEST_IMAGE=1, and skips otherwise.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { REPO_ROOT } from './helm-binary.ts';

const enabled = process.env.CI === 'true' || process.env.CONVEYOR_TEST_IMAGE === '1';
const skip = enabled
  ? false
  : 'the image build takes a minute or more: set CONVEYOR_TEST_IMAGE=1 (CI runs it)';

describe('scripts/build-image.sh (the Dockerfile steps without Docker)', { skip }, () => {
  const out = mkdtempSync(join(tmpdir(), 'conveyor-image-test-'));
  after(() => rmSync(out, { recursive: true, force: true }));

  test('builds the production folder and what it holds starts', { timeout: 15 * 60_000 }, () => {
    // The script itself runs `controller --help` and `validate` from the folder and fails otherwise.
    const printed = execFileSync('bash', [join(REPO_ROOT, 'scripts', 'build-image.sh'), out], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
    assert.equal(printed, out);
    assert.ok(existsSync(join(out, 'dist', 'cli', 'main.js')), 'compiled CLI');
    // Only what the Dockerfile's runtime stage copies, and no TypeScript sources to fall back on.
    assert.ok(!existsSync(join(out, 'src')), 'no src/ in the image');
    assert.ok(!existsSync(join(out, 'node_modules', 'typescript')), 'no dev dependencies');
    // The bundle imports no TypeScript source (nothing could load it without src/ and tsx).
    assert.doesNotMatch(
      readFileSync(join(out, 'dist', 'cli', 'main.js'), 'utf8'),
      /from ["']\.{1,2}\/[^"']*\.ts["']/,
    );
    const help = execFileSync(process.execPath, [join(out, 'bin', 'conveyor.js'), 'controller', '--help'], {
      encoding: 'utf8',
      cwd: out,
      env: { ...process.env, NODE_ENV: 'production' },
    });
    assert.match(help, /--leader-elect/);
  });
});
