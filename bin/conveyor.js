#!/usr/bin/env node
// Entry point for `conveyor` and `kubectl-conveyor`: runs the compiled CLI when dist/ exists (the
// container image), otherwise the TypeScript sources through tsx (a checkout after `npm ci`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
let cli;
if (existsSync(compiled)) {
  cli = await import(compiled);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/cli/main.ts');
}
await cli.runFromProcess();
