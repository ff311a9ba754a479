// The committed crds/ match what the generator makes from the JSON Schema today, and stay small
// enough for the API server and for client-side `kubectl apply`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { generateCrdFiles } from '../../../src/spec/crd/crds.ts';

const root = new URL('../../../', import.meta.url);

for (const file of generateCrdFiles()) {
  test(`${file.path} is up to date with src/spec/schema.ts`, () => {
    const committed = readFileSync(new URL(file.path, root), 'utf8');
    assert.ok(committed === file.text, `${file.path} is stale: run \`npx tsx scripts/generate-crds.ts\``);
  });

  test(`${file.path} fits in kubectl's last-applied annotation (256 KiB) and far below etcd's limit`, () => {
    // Client-side apply copies the whole object into an annotation limited to 262144 bytes.
    assert.ok(file.jsonBytes < 256 * 1024, `${file.path} is ${file.jsonBytes} bytes as JSON`);
  });
}
