// The README's first command and the other workflow of real use run end to end with real tools:
// a C program built, tested and packaged; a SQLite database backed up, verified and rotated.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { conveyor, REPO, tempDir } from './cli-harness.ts';

test('build-test-package builds, tests, packages and verifies a C program', async () => {
  const out = tempDir();
  const r = await conveyor(
    [
      'run',
      'examples/build-test-package.yaml',
      '--set',
      `out=${out}`,
      '--output',
      'json',
      '--state-dir',
      join(out, 'state'),
    ],
    {
      cwd: REPO,
    },
  );
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout) as { phase: string; outputs: Record<string, string> };
  assert.equal(json.phase, 'Succeeded');
  assert.equal(json.outputs.test_report, '1 passed, 0 failed');
  assert.equal(json.outputs.greeting, 'hello, conveyor');
  assert.ok(existsSync(join(out, 'hello-1.0.0.tar.gz')));
});

test('sqlite-backup-verify backs up, verifies, compresses and keeps the newest backups', async () => {
  const work = tempDir();
  for (let i = 0; i < 3; i++) {
    const r = await conveyor(
      [
        'run',
        join(REPO, 'examples/sqlite-backup-verify.yaml'),
        '--set',
        `workdir=${work},keep=2`,
        '--output',
        'json',
        '--state-dir',
        join(work, 'state'),
      ],
      {
        cwd: work,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as { phase: string; outputs: Record<string, string> };
    assert.equal(json.outputs.source_rows, '500');
  }
  const backups = readdirSync(join(work, 'backups')).filter((f) => f.endsWith('.db.gz'));
  assert.equal(backups.length, 2, backups.join(', '));
});
