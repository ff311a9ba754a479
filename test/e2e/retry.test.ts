// `conveyor retry RUN [--from STEP]` as users call it: a new run of the workflow text and the
// parameters RUN started with, whatever the file says now; --from starts at a step.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { conveyor, tempDir } from './cli-harness.ts';

const WORKFLOW = `name: release
parameters:
  - name: who
    default: nobody
steps:
  - name: build
    command: "echo image-{{ .who }} >> calls; echo image-{{ .who }}"
    capture_output: image
  - name: deploy
    command: "echo deploy {{ .outputs.image }} >> calls; test -f ready"
  - name: announce
    command: "echo announce >> calls"
`;

interface RunJson {
  run_id: string;
  phase: string;
  steps: Record<string, { phase: string; reason: string | null }>;
}

describe('retry', () => {
  test('runs the recorded workflow text and parameters again under a new id; --from starts at a step with the earlier outputs', async () => {
    const dir = tempDir();
    const state = join(dir, 'state');
    writeFileSync(join(dir, 'release.yaml'), WORKFLOW);
    const first = await conveyor(
      ['run', 'release.yaml', '--set', 'who=ana', '--state-dir', state, '-o', 'json'],
      { cwd: dir },
    );
    assert.equal(first.code, 1, first.stderr);
    const failed = JSON.parse(first.stdout) as RunJson;
    assert.equal(failed.steps.deploy?.phase, 'Failed');

    // The file changes after the run: a retry still runs what the run started with.
    writeFileSync(join(dir, 'release.yaml'), WORKFLOW.replace(/image-/g, 'CHANGED-'));
    writeFileSync(join(dir, 'ready'), '');
    writeFileSync(join(dir, 'calls'), '');
    const from = await conveyor(
      ['retry', failed.run_id, '--from', 'deploy', '--state-dir', state, '-o', 'json'],
      {
        cwd: dir,
      },
    );
    assert.equal(from.code, 0, from.stderr);
    const retried = JSON.parse(from.stdout) as RunJson;
    assert.notEqual(retried.run_id, failed.run_id);
    assert.equal(retried.phase, 'Succeeded');
    assert.deepEqual(
      Object.fromEntries(Object.entries(retried.steps).map(([k, v]) => [k, `${v.phase}:${v.reason ?? ''}`])),
      { build: 'Skipped:BeforeRetryFrom', deploy: 'Succeeded:', announce: 'Succeeded:' },
    );
    assert.equal(readFileSync(join(dir, 'calls'), 'utf8'), 'deploy image-ana\nannounce\n');
    assert.match(from.stderr, new RegExp(`Retrying ${failed.run_id} as ${retried.run_id}, from step deploy`));

    writeFileSync(join(dir, 'calls'), '');
    const whole = await conveyor(['retry', 'latest', '--state-dir', state], { cwd: dir });
    assert.equal(whole.code, 0, whole.stderr);
    assert.equal(readFileSync(join(dir, 'calls'), 'utf8'), 'image-ana\ndeploy image-ana\nannounce\n');

    // The run retried is left as it was; history lists all three.
    const history = await conveyor(['history', '--state-dir', state, '-o', 'json'], { cwd: dir });
    const runs = (JSON.parse(history.stdout) as { runs: { run_id: string; phase: string }[] }).runs;
    assert.equal(runs.length, 3);
    assert.equal(runs.find((r) => r.run_id === failed.run_id)?.phase, 'Failed');
  });

  test('refuses a step the workflow does not have, with the likely one', async () => {
    const dir = tempDir();
    const state = join(dir, 'state');
    writeFileSync(join(dir, 'release.yaml'), WORKFLOW);
    writeFileSync(join(dir, 'ready'), '');
    const first = await conveyor(['run', 'release.yaml', '--state-dir', state, '-o', 'json'], { cwd: dir });
    assert.equal(first.code, 0, first.stderr);
    const id = (JSON.parse(first.stdout) as RunJson).run_id;
    const typo = await conveyor(['retry', id, '--from', 'deploi', '--state-dir', state], { cwd: dir });
    assert.equal(typo.code, 2);
    assert.match(
      typo.stderr,
      /--from deploi: workflow release has no step 'deploi' \(did you mean 'deploy'\?\)/,
    );
    const missing = await conveyor(['retry', 'no-such-run', '--state-dir', state], { cwd: dir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no run no-such-run/);
  });
  test('--set and --parameter-file override the recorded parameters, checked as run checks them', async () => {
    const dir = tempDir();
    const state = join(dir, 'state');
    writeFileSync(join(dir, 'release.yaml'), WORKFLOW);
    writeFileSync(join(dir, 'ready'), '');
    const first = await conveyor(
      ['run', 'release.yaml', '--set', 'who=ana', '--state-dir', state, '-o', 'json'],
      {
        cwd: dir,
      },
    );
    assert.equal(first.code, 0, first.stderr);
    const id = (JSON.parse(first.stdout) as RunJson).run_id;

    writeFileSync(join(dir, 'calls'), '');
    const set = await conveyor(['retry', id, '--set', 'who=bo', '--state-dir', state], { cwd: dir });
    assert.equal(set.code, 0, set.stderr);
    assert.equal(readFileSync(join(dir, 'calls'), 'utf8'), 'image-bo\ndeploy image-bo\nannounce\n');

    // The retried run records what it ran with: retrying it again keeps 'cy' from the file.
    writeFileSync(join(dir, 'params.yaml'), 'who: cy\n');
    writeFileSync(join(dir, 'calls'), '');
    const file = await conveyor(['retry', id, '--parameter-file', 'params.yaml', '--state-dir', state], {
      cwd: dir,
    });
    assert.equal(file.code, 0, file.stderr);
    writeFileSync(join(dir, 'calls'), '');
    const again = await conveyor(['retry', 'latest', '--state-dir', state], { cwd: dir });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(readFileSync(join(dir, 'calls'), 'utf8'), 'image-cy\ndeploy image-cy\nannounce\n');

    writeFileSync(join(dir, 'calls'), '');
    const typo = await conveyor(['retry', id, '--set', 'whoo=dee', '--state-dir', state], { cwd: dir });
    assert.equal(typo.code, 2, typo.stdout);
    assert.match(typo.stderr, /parameters\.whoo: unknown parameter 'whoo' \(did you mean 'who'\?/);
    assert.equal(readFileSync(join(dir, 'calls'), 'utf8'), '', 'nothing ran');

    const help = await conveyor(['retry', '--help']);
    assert.match(help.stdout, /--set KEY=VALUE/);
    assert.match(help.stdout, /--parameter-file FILE/);
    assert.match(help.stdout, /conveyor retry \S+ --set /);
  });
});
