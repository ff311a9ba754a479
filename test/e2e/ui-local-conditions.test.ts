// The conditions `conveyor ui` shows for a local run tell the user the local command to run, not
// the cluster's `kubectl conveyor`: read from the UI's own JSON API, as the run page reads it.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { conveyor, tempDir } from './cli-harness.ts';
import { startUi } from './ui-browser.ts';

test('a local run waiting for approval says to approve it with conveyor approve', async () => {
  const dir = tempDir();
  const stateDir = join(dir, 'state');
  writeFileSync(
    join(dir, 'gated.yaml'),
    'name: gated\nsteps:\n  - name: ship\n    command: echo shipped\n    manual_approval: true\n',
  );
  const run = await conveyor(['run', 'gated.yaml', '--state-dir', stateDir, '-o', 'json'], { cwd: dir });
  assert.equal(run.code, 3, run.stderr);
  const runId = (JSON.parse(run.stdout) as { run_id: string }).run_id;
  const ui = await startUi(['--state-dir', stateDir]);
  try {
    const res = await fetch(ui.url.replace('/?', `/api/runs/${runId}?`));
    assert.equal(res.status, 200);
    const body = (await res.json()) as { conditions: { type: string; message: string }[] };
    const awaiting = body.conditions.find((c) => c.type === 'AwaitingApproval');
    assert.equal(
      awaiting?.message,
      `Approve with: conveyor approve ${runId} ship`,
      JSON.stringify(body.conditions),
    );
  } finally {
    await ui.stop();
  }
});
