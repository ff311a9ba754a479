// `conveyor ui`'s choice of where runs come from, as a user types it: as the kubectl plugin every
// command acts on the cluster, the UI's actions on local runs too, so showing a state directory
// beside the cluster is refused there (an Approve of a local run would go to a WorkflowRun of the
// same name), with the command that does it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, tempDir } from './cli-harness.ts';

test('as kubectl conveyor, ui --state-dir is refused with the command that shows local runs beside the cluster', () => {
  const dir = tempDir('conveyor-ui-plugin-');
  const plugin = join(dir, 'kubectl-conveyor');
  symlinkSync(BIN, plugin);
  const ui = spawnSync(process.execPath, [plugin, 'ui', '--state-dir', join(dir, 'state')], {
    encoding: 'utf8',
    env: { ...process.env, KUBECONFIG: join(dir, 'no-kubeconfig'), CI: 'true' },
    timeout: 60_000,
  });
  assert.equal(ui.status, 2, ui.stdout + ui.stderr);
  assert.match(ui.stderr, /as kubectl conveyor every command acts on the cluster/);
  assert.match(ui.stderr, /conveyor ui --cluster --state-dir DIR/);
});
