// The full state of a local run is saved only now and then; the journal records every decision in
// between. A process killed between two snapshots must lose nothing: resume replays the journal, so
// the steps that finished are not run again and their captured outputs still feed later steps.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { conveyor, tempDir } from './cli-harness.ts';

const WORKFLOW = `name: journal-replay
steps:
  - name: a
    command: "echo ran a >> exec.log; printf alpha"
    capture_output: first
  - name: b
    command: "echo ran b >> exec.log; printf beta"
    capture_output: second
  - name: c
    command: "echo ran c >> exec.log; printf gamma"
    capture_output: third
  - name: slow
    # Long only the first time: the resume runs it again (it was killed) and need not wait.
    command: "echo ran slow >> exec.log; if [ ! -e slept ]; then touch slept; sleep 30; fi"
  - name: uses
    command: "echo used {{ .outputs.first }} {{ .outputs.second }} {{ .outputs.third }} >> exec.log"
`;

function ran(dir: string): string[] {
  try {
    return readFileSync(join(dir, 'exec.log'), 'utf8').trim().split('\n');
  } catch {
    return [];
  }
}

test('a run killed with SIGKILL after steps finished but before the next snapshot resumes without re-running them, keeping their outputs', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'wf.yaml'), WORKFLOW);
  // No snapshot after the first one: what finished is known from the journal alone.
  const env = { CONVEYOR_SNAPSHOT_INTERVAL_MS: '3600000' };
  const first = await conveyor(['run', 'wf.yaml', '--run-id', 'j1', '--state-dir', 'state'], {
    cwd: dir,
    env,
    signalWhen: { signal: 'SIGKILL', check: () => ran(dir).includes('ran slow') },
  });
  assert.equal(first.code, null, 'the first round was killed');
  assert.deepEqual(ran(dir), ['ran a', 'ran b', 'ran c', 'ran slow']);
  // The orphaned `slow` goes on in its own process group; end it so that resume need not wait 30 s.
  // The journal names its process though conveyor was killed as soon as the step ran: the launcher
  // (which outlives conveyor) writes that line the moment the process exists, if only just after.
  const journalPath = join(dir, 'state/runs/j1/journal.jsonl');
  const startedLine = /"event":"started","step":"slow","attempt":1,"pid":(\d+)/;
  const deadline = Date.now() + 10_000;
  while (!startedLine.test(readFileSync(journalPath, 'utf8')) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  const journal = readFileSync(journalPath, 'utf8');
  const slow = startedLine.exec(journal);
  assert.ok(slow, journal);
  process.kill(-Number(slow[1]), 'SIGKILL');

  const resumed = await conveyor(['resume', 'j1', '--state-dir', 'state', '--output', 'json'], {
    cwd: dir,
    env: { ...env, PATH: process.env.PATH ?? '' },
  });
  assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
  const result = JSON.parse(resumed.stdout) as { phase: string; outputs: Record<string, string> };
  assert.equal(result.phase, 'Succeeded');
  assert.deepEqual(result.outputs, { first: 'alpha', second: 'beta', third: 'gamma' });
  const lines = ran(dir);
  assert.equal(lines.filter((l) => l === 'ran a').length, 1, lines.join('\n'));
  assert.equal(lines.filter((l) => l === 'ran b').length, 1, lines.join('\n'));
  assert.equal(lines.filter((l) => l === 'ran c').length, 1, lines.join('\n'));
  assert.ok(lines.includes('used alpha beta gamma'), lines.join('\n'));
});

test('every step process finds the journal line announcing its start already written', async () => {
  const dir = tempDir();
  const steps = Array.from(
    { length: 24 },
    (_, i) => `      - name: s${i}
        command: |
          grep -qF '"event":"start","step":"'"$CONVEYOR_STEP"'","attempt":1}' "state/runs/$CONVEYOR_RUN_ID/journal.jsonl" || echo "$CONVEYOR_STEP" >> missing.log
          echo "$CONVEYOR_STEP" >> ran.log`,
  );
  writeFileSync(
    join(dir, 'wf.yaml'),
    `name: write-ahead\nsteps:\n  - name: all\n    parallel: true\n    steps:\n${steps.join('\n')}\n`,
  );
  const r = await conveyor(['run', 'wf.yaml', '--run-id', 'w1', '--state-dir', 'state', '--parallel', '8'], {
    cwd: dir,
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(readFileSync(join(dir, 'ran.log'), 'utf8').trim().split('\n').length, 24);
  let missing = '';
  try {
    missing = readFileSync(join(dir, 'missing.log'), 'utf8');
  } catch {
    // None missing.
  }
  assert.equal(missing, '', 'steps that ran before their start was in the journal');
});
