// bin/conveyor.js in a checkout: the compiled dist/ runs while it was built from the sources as they
// are, and the sources run (through tsx) as soon as one is edited, so a stale dist/ never shadows
// newer code. Checked in a built copy of the package sources (package-source.ts).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { tempDir } from './cli-harness.ts';
import { copyPackageSource } from './package-source.ts';

const dir = tempDir('conveyor-dist-');
const source = join(dir, 'checkout');

function version(): string {
  const r = spawnSync(process.execPath, [join(source, 'bin', 'conveyor.js'), '--version'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

/** Marks the compiled bundle, so that its output tells it apart from the sources'. */
function markCompiled(): void {
  const main = join(source, 'dist', 'cli', 'main.js');
  writeFileSync(main, readFileSync(main, 'utf8').replace('`conveyor ${', '`conveyor (dist) ${'));
}

before(() => {
  copyPackageSource(source);
  execFileSync(process.execPath, [join(source, 'scripts', 'build.mjs')]);
  markCompiled();
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a freshly built dist/ is what runs', () => {
  assert.match(version(), /^conveyor \(dist\) /);
});

test('a source touched but unchanged (a git checkout) still runs dist/', () => {
  const file = join(source, 'src', 'cli', 'main.ts');
  const later = new Date(Date.now() + 60_000);
  utimesSync(file, later, later);
  assert.match(version(), /^conveyor \(dist\) /);
});

test('an edited source runs from the sources instead of the stale dist/', () => {
  const file = join(source, 'src', 'cli', 'version.ts');
  writeFileSync(file, readFileSync(file, 'utf8').replace('.version;', ".version + '-edited';"));
  assert.match(version(), /^conveyor \d+\.\d+\.\d+-edited$/);
});

test('building again makes dist/ current', () => {
  execFileSync(process.execPath, [join(source, 'scripts', 'build.mjs')]);
  markCompiled();
  assert.match(version(), /^conveyor \(dist\) \d+\.\d+\.\d+-edited$/);
});
