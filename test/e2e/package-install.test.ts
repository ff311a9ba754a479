// The npm package as users install it: `npm pack` (its `prepare` builds dist/), then
// `npm install -g` of the tarball into a temporary prefix, then the installed `conveyor` and
// `kubectl-conveyor` commands, run from a folder where neither the TypeScript sources nor tsx
// can be reached (package-source.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO, STAND_IN_PATH, tempDir } from './cli-harness.ts';
import { packAndInstall } from './package-source.ts';
import type { InstalledPackage } from './package-source.ts';

const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const work = tempDir('conveyor-package-');
let installed: InstalledPackage;

function installedCommand(name: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(join(installed.prefix, 'bin', name), args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: `${STAND_IN_PATH}:${process.env.PATH ?? ''}`,
      HOME: work,
      CI: 'true',
      NO_COLOR: '1',
      ...env,
    },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(() => {
  installed = packAndInstall(work);
});

after(() => rmSync(work, { recursive: true, force: true }));

describe('the npm package', () => {
  test('the tarball holds bin, the compiled dist, the JSON Schema, the CRDs and the templates, and no tests or sources', () => {
    assert.ok(installed.tarballFiles.includes('bin/conveyor.js'));
    assert.ok(installed.tarballFiles.includes('dist/cli/main.js'));
    assert.ok(installed.tarballFiles.includes('schema/workflow.schema.json'));
    assert.ok(installed.tarballFiles.includes('crds/conveyor.dev_workflows.yaml'));
    assert.ok(installed.tarballFiles.includes('dist/cli/builtin/backup-verify.yaml'));
    assert.ok(installed.tarballFiles.includes('dist/cli/native-launcher.c'));
    const unwanted = installed.tarballFiles.filter(
      (f) => /^(test|src|scripts)\//.test(f) || f.endsWith('.ts'),
    );
    assert.deepEqual(unwanted, []);
  });

  test('the installed package has no sources and no tsx, only runtime dependencies', () => {
    assert.equal(existsSync(join(installed.dir, 'src')), false);
    // (@kubernetes/client-node itself depends on some @types packages; ours are dev-only.)
    for (const dev of ['tsx', 'typescript', 'esbuild', '@types/nodemailer']) {
      assert.equal(existsSync(join(installed.dir, 'node_modules', dev)), false, dev);
    }
  });

  test('conveyor --version prints the version in package.json', () => {
    const r = installedCommand('conveyor', ['--version'], work);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `conveyor ${version}\n`);
  });

  test('kubectl-conveyor runs the same CLI (kubectl plugin name)', () => {
    const r = installedCommand('kubectl-conveyor', ['--version'], work);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `conveyor ${version}\n`);
  });

  test('the installed conveyor validates and runs an example workflow', () => {
    const dir = join(work, 'project');
    cpSync(join(REPO, 'examples', 'basic-deployment.yaml'), join(dir, 'basic-deployment.yaml'));
    const valid = installedCommand('conveyor', ['validate', 'basic-deployment.yaml'], dir);
    assert.equal(valid.code, 0, valid.stderr);
    assert.match(valid.stdout, /basic-deployment\.yaml: valid/);
    const run = installedCommand(
      'conveyor',
      ['run', 'basic-deployment.yaml', '--state-dir', join(dir, 'state'), '--output', 'json'],
      dir,
      { SYSCTL_LOG: join(dir, 'calls.log') },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { phase: string }).phase, 'Succeeded');
    // Its steps were started by the native launcher, compiled from the package on first use.
    if (process.platform === 'linux') {
      const cache = join(work, '.cache', 'conveyor');
      assert.deepEqual(
        readdirSync(cache).filter((f) => /^launcher-[0-9a-f]{16}$/.test(f)).length,
        1,
        readdirSync(cache).join(', '),
      );
    }
  });

  test('the installed conveyor finds its built-in templates', () => {
    const r = installedCommand('conveyor', ['templates'], work);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /backup-verify/);
  });
});
