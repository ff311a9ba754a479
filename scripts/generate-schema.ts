// Writes schema/workflow.schema.json from src/spec/schema.ts (the one source of truth), so that
// editors with the YAML language server can autocomplete workflow files. `--check` fails when stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { workflowSchema } from '../src/spec/schema.ts';

const target = fileURLToPath(new URL('../schema/workflow.schema.json', import.meta.url));
const text = `${JSON.stringify(workflowSchema, null, 2)}\n`;
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // A missing file is stale too.
  }
  if (current !== text) {
    console.error('schema/workflow.schema.json is stale: run `npm run generate`');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
