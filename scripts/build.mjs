#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm ci` and `npm pack` build it): bundles the CLI and the
// controller from src/cli/main.ts into dist/cli/ with esbuild. Each lazily imported command becomes
// its own chunk, so a command loads only its own code; packages from node_modules stay external
// (installed as the package's dependencies, loaded only by the commands that import them).
// The built-in templates are copied next to the chunks (catalog.ts finds them via import.meta.url),
// and dist/cli/build-inputs.json records the sources, so bin/conveyor.js can tell a stale dist/.
import { build } from 'esbuild';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeStamp } from './dist-stamp.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const outdir = join(root, 'dist/cli');
const builtinSource = 'src/cli/templates/builtin';

rmSync(join(root, 'dist'), { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  packages: 'external',
  // Stack traces map back to src/ with `node --enable-source-maps`; the sources are not shipped.
  sourcemap: 'linked',
  sourcesContent: false,
  metafile: true,
  logLevel: 'warning',
});
cpSync(join(root, builtinSource), join(outdir, 'builtin'), { recursive: true });

const templates = readdirSync(join(root, builtinSource)).map((f) => join(builtinSource, f));
const bundled = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('node_modules/'));
writeStamp(root, [...bundled, ...templates, 'scripts/build.mjs']);
