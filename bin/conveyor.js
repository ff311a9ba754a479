#!/usr/bin/env node
// Entry point for `conveyor` and `kubectl-conveyor`. Runs the compiled bundle in dist/ (built by
// `npm run build`, which `npm ci` runs as `prepare`). An installed package or the image ships no
// src/, so dist/ is all there is. In a checkout, dist/ runs only while it was built from the sources
// as they are now (scripts/dist-stamp.mjs); after an edit the sources run through tsx, so a stale
// dist/ never shadows newer code (`npm run build` makes the fast path current again).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
const checkout = existsSync(new URL('../src/cli/main.ts', import.meta.url));

async function useCompiled() {
  if (!existsSync(compiled)) return false;
  if (!checkout) return true;
  const { isDistFresh } = await import('../scripts/dist-stamp.mjs');
  return isDistFresh(new URL('../', import.meta.url).pathname);
}

let cli;
if (await useCompiled()) {
  cli = await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/cli/main.ts');
}
await cli.runFromProcess();
