#!/usr/bin/env node
// Runs node's test runner over every *.test.ts under the given folders (Node 20 has no glob support
// in `node --test`, so the files are found here). Usage: run-tests.mjs [--all-cores] DIR... [-- node-test-flags]
// --all-cores runs one file per core (node's default leaves one core idle): for CPU-bound suites
// whose files share nothing, like the unit tests (about 1.7x faster on 2 cores).
import { availableParallelism } from 'node:os';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const allCores = process.argv[2] === '--all-cores';
const args = process.argv.slice(allCores ? 3 : 2);
const split = args.indexOf('--');
const dirs = split === -1 ? args : args.slice(0, split);
const extra = [
  ...(allCores ? [`--test-concurrency=${availableParallelism()}`] : []),
  ...(split === -1 ? [] : args.slice(split + 1)),
];

function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries.sort()) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const files = dirs.flatMap((d) => collect(d, []));
if (files.length === 0) {
  console.error(`no test files under ${dirs.join(', ')}`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...extra, ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
