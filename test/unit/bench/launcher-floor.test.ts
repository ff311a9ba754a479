// The bench's floor reference (test/bench/launcher-floor.mjs) must run the same work as conveyor and
// make: every step once, each after all of its dependencies, one log file per step.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { nativeLauncherProgram } from '../../../src/executors/local/native-launcher-build.ts';
import { randomDag } from '../../bench/dag.ts';

const FLOOR = fileURLToPath(new URL('../../bench/launcher-floor.mjs', import.meta.url));
const launcher = nativeLauncherProgram(process.env);

describe('the local bench floor reference', () => {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-floor-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const dag = randomDag(60, 6);
  writeFileSync(join(dir, 'dag.json'), JSON.stringify(dag));
  const floor = (logs: string, ...program: string[]) =>
    spawnSync(process.execPath, [FLOOR, join(dir, 'dag.json'), '4', launcher.path ?? '', logs, ...program], {
      cwd: dir,
      encoding: 'utf8',
    });

  it('runs every step once, each after its dependencies, into its own log file', () => {
    assert.ok(launcher.path, `the native launcher is needed here: ${launcher.why}`);
    // Each step's log gets the moment it ran, in nanoseconds.
    const r = floor(join(dir, 'logs'), 'date', '+%s%N');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(join(dir, 'logs')).sort(), dag.names.map((n) => `${n}.log`).sort());
    const ranAt = (name: string) => BigInt(readFileSync(join(dir, 'logs', `${name}.log`), 'utf8').trim());
    dag.names.forEach((name, i) => {
      for (const dep of dag.deps[i] ?? [])
        assert.ok(ranAt(dep) < ranAt(name), `${name} ran after its dependency ${dep}`);
    });
  });

  it('fails when a step fails, rather than counting it done', () => {
    const r = floor('-', 'false');
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /failed: D \d+ x 1/);
  });
});
