// `conveyor stop RUN` (graceful: running steps finish, failure hooks run) against
// `conveyor terminate RUN` (running steps killed now, no hook runs), sent from another process to a
// local run in progress, as users do from a second terminal.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isProcessAlive } from '../../src/cli/process-identity.ts';
import { readJournal } from '../../src/cli/run-journal.ts';
import { conveyor, tempDir } from './cli-harness.ts';

// `slow` waits for the test's go-ahead file, so that the request surely arrives while it runs.
const WORKFLOW = `name: drain
steps:
  - name: slow
    command: "touch started; while [ ! -f go ]; do sleep 0.05; done; echo slow >> calls"
  - name: next
    command: "echo next >> calls"
on_failure:
  - name: page
    command: "echo page >> calls"
`;

// `prod` waits for approval, so the run parks with no process working on it.
const GATED = `name: gated
steps:
  - name: prep
    command: "true"
  - name: prod
    command: "echo prod >> calls"
    manual_approval: true
on_failure:
  - name: page
    command: "echo page >> calls"
`;

interface RunJson {
  phase: string;
  reason: string | null;
  steps: Record<string, { phase: string; reason: string | null }>;
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 25));
}

function phasesOf(doc: RunJson): Record<string, string> {
  return Object.fromEntries(Object.entries(doc.steps).map(([k, v]) => [k, `${v.phase}:${v.reason ?? ''}`]));
}

describe('stop and terminate', () => {
  test('stop lets the running step finish, starts nothing new, runs the on_failure hook; the run ends Cancelled (Stopped)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'drain.yaml'), WORKFLOW);
    const running = conveyor(['run', 'drain.yaml', '--state-dir', 'state', '--run-id', 'r1'], { cwd: dir });
    await until(() => existsSync(join(dir, 'started')));
    const stop = await conveyor(['stop', 'r1', '--state-dir', 'state'], { cwd: dir });
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, /Stopping run r1 \(pid \d+\)/);
    await until(() => readJournal(join(dir, 'state', 'runs', 'r1')).some((l) => l.event === 'request'));
    writeFileSync(join(dir, 'go'), '');
    const run = await running;
    assert.equal(run.code, 130, run.stdout + run.stderr);
    assert.equal(readFileSync(join(dir, 'calls'), 'utf8'), 'slow\npage\n');
    const got = await conveyor(['get', 'r1', '--state-dir', 'state', '-o', 'json'], { cwd: dir });
    const doc = JSON.parse(got.stdout) as RunJson;
    assert.equal(doc.phase, 'Cancelled');
    assert.equal(doc.reason, 'Stopped');
    assert.deepEqual(phasesOf(doc), { slow: 'Succeeded:', next: 'Cancelled:Stopped', page: 'Succeeded:' });

    const again = await conveyor(['stop', 'r1', '--state-dir', 'state'], { cwd: dir });
    assert.equal(again.code, 0);
    assert.match(again.stdout, /Run r1 already ended Cancelled; nothing to stop/);
  });

  test('terminate kills the running step now, runs no hook and records the hook as skipped by the cancel', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'drain.yaml'), WORKFLOW);
    const running = conveyor(['run', 'drain.yaml', '--state-dir', 'state', '--run-id', 'r2', '-o', 'json'], {
      cwd: dir,
    });
    await until(() => existsSync(join(dir, 'started')));
    const terminate = await conveyor(['terminate', 'r2', '--state-dir', 'state', '--wait'], { cwd: dir });
    assert.equal(terminate.code, 0, terminate.stderr);
    assert.match(terminate.stdout, /Terminating run r2 .*\nRun r2 ended Cancelled\.\n$/);
    const run = await running;
    assert.equal(run.code, 130, run.stderr);
    const doc = JSON.parse(run.stdout) as RunJson & { hooks?: unknown };
    assert.equal(doc.phase, 'Cancelled');
    assert.deepEqual(phasesOf(doc), { slow: 'Cancelled:Cancelled', next: 'Cancelled:Cancelled' });
    assert.equal(existsSync(join(dir, 'calls')), false, 'neither next nor the on_failure hook ran');
    const state = JSON.parse(readFileSync(join(dir, 'state', 'runs', 'r2', 'state.json'), 'utf8')) as {
      state: { steps: { name: string; phase: string; reason?: string }[] };
    };
    const page = state.state.steps.find((s) => s.name === 'page');
    assert.equal(`${page?.phase}:${page?.reason}`, 'Skipped:RunCancelled');
    // The step loops until a file the test never writes exists: the run ended because it was killed.
    const started = readJournal(join(dir, 'state', 'runs', 'r2')).find((l) => l.event === 'started');
    assert.ok(started && started.event === 'started');
    assert.equal(isProcessAlive(started.pid, started.process_start), false);
  });

  test('stop ends a run parked for approval: the waiting step is cancelled, the on_failure hook runs here, Cancelled (Stopped); terminate runs no hook', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'gated.yaml'), GATED);
    for (const id of ['p1', 'p2']) {
      const parked = await conveyor(['run', 'gated.yaml', '--state-dir', 'state', '--run-id', id], {
        cwd: dir,
      });
      assert.equal(parked.code, 3, parked.stdout + parked.stderr);
    }
    const stop = await conveyor(['stop', 'p1', '--state-dir', 'state'], { cwd: dir });
    assert.equal(stop.code, 0, stop.stdout + stop.stderr);
    assert.match(
      stop.stdout,
      /Stopping run p1, which waits for approval of prod: its failure hooks run now\./,
    );
    assert.equal(readFileSync(join(dir, 'calls'), 'utf8'), 'page\n');
    const stopped = JSON.parse(
      (await conveyor(['get', 'p1', '--state-dir', 'state', '-o', 'json'], { cwd: dir })).stdout,
    ) as RunJson;
    assert.equal(`${stopped.phase}:${stopped.reason}`, 'Cancelled:Stopped');
    assert.deepEqual(phasesOf(stopped), {
      prep: 'Succeeded:',
      prod: 'Cancelled:Stopped',
      page: 'Succeeded:',
    });

    writeFileSync(join(dir, 'calls'), '');
    const terminate = await conveyor(['terminate', 'p2', '--state-dir', 'state'], { cwd: dir });
    assert.equal(terminate.code, 0, terminate.stdout + terminate.stderr);
    assert.equal(readFileSync(join(dir, 'calls'), 'utf8'), '', 'no hook ran');
    const terminated = JSON.parse(
      (await conveyor(['get', 'p2', '--state-dir', 'state', '-o', 'json'], { cwd: dir })).stdout,
    ) as RunJson;
    assert.equal(terminated.phase, 'Cancelled');
    assert.equal(terminated.steps.prod?.phase, 'Cancelled');

    const history = await conveyor(['history', '--state-dir', 'state', '-o', 'json'], { cwd: dir });
    const rounds = (
      JSON.parse(history.stdout) as { runs: { run_id: string; rounds: { command: string }[] }[] }
    ).runs
      .filter((r) => r.run_id === 'p1' || r.run_id === 'p2')
      .map((r) => `${r.run_id}: ${r.rounds.map((x) => x.command).join(' ')}`);
    assert.deepEqual(rounds.sort(), ['p1: run stop', 'p2: run terminate']);

    const again = await conveyor(['stop', 'p1', '--state-dir', 'state'], { cwd: dir });
    assert.match(again.stdout, /Run p1 already ended Cancelled; nothing to stop/);
  });

  test('says so when no process works on the run', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'drain.yaml'), WORKFLOW);
    writeFileSync(join(dir, 'go'), '');
    const done = await conveyor(['run', 'drain.yaml', '--state-dir', 'state', '--run-id', 'r3'], {
      cwd: dir,
    });
    assert.equal(done.code, 0, done.stderr);
    const terminate = await conveyor(['terminate', 'r3', '--state-dir', 'state'], { cwd: dir });
    assert.equal(terminate.code, 0);
    assert.match(terminate.stdout, /Run r3 already ended Succeeded; nothing to terminate/);
    const missing = await conveyor(['stop', 'nope', '--state-dir', 'state'], { cwd: dir });
    assert.equal(missing.code, 2);
  });
});
