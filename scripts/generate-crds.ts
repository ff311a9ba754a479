// Writes crds/conveyor.dev_workflows.yaml and crds/conveyor.dev_workflowruns.yaml from the workflow
// JSON Schema (src/spec/crd/ builds them). `--check` exits 1 when the committed files are stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCrdFiles } from '../src/spec/crd/crds.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const check = process.argv.includes('--check');
let stale = 0;

for (const file of generateCrdFiles()) {
  const target = join(root, file.path);
  if (check) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {
      // A missing file is stale too.
    }
    if (current !== file.text) {
      console.error(`${file.path} is stale: run \`npx tsx scripts/generate-crds.ts\``);
      stale++;
    }
  } else {
    writeFileSync(target, file.text);
    const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
    console.log(
      `wrote ${file.path}: ${kib(Buffer.byteLength(file.text))} YAML, ${kib(file.jsonBytes)} as JSON`,
    );
  }
}
if (stale > 0) process.exit(1);
