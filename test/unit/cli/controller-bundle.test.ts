// The controller's weight: its bundle (built as scripts/build.mjs builds dist/) keeps client-node's
// kubeconfig loader but none of the generated API classes, which cost the process about 55 MiB, and
// loads no module of client-node's package at run time.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { kubeConfigOnly } from '../../../scripts/kubeconfig-only.mjs';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

test('the controller bundles client-node’s kubeconfig loader without its generated API classes', async () => {
  const { dependencies } = JSON.parse(readFileSync(`${REPO}package.json`, 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const result = await build({
    absWorkingDir: REPO,
    entryPoints: ['src/cli/commands/controller.ts'],
    outdir: 'controller-bundle',
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    external: Object.keys(dependencies),
    metafile: true,
    logLevel: 'silent',
    plugins: [kubeConfigOnly(REPO)],
  });
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(
    inputs.some((i) => i.endsWith('@kubernetes/client-node/dist/config.js')),
    'the kubeconfig loader is bundled',
  );
  assert.deepEqual(
    inputs.filter((i) => i.includes('@kubernetes/client-node/dist/gen/')),
    [],
  );
  const loaded = Object.values(result.metafile.outputs).flatMap((o) =>
    o.imports.filter((i) => i.external).map((i) => i.path),
  );
  assert.deepEqual(
    loaded.filter((p) => p.startsWith('@kubernetes/client-node')),
    [],
  );
});
