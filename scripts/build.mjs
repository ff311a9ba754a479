#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm ci` and `npm pack` build it): bundles the CLI and the
// controller from src/cli/main.ts into dist/cli/ with esbuild. Each lazily imported command becomes
// its own chunk, so a command loads only its own code. The package's `dependencies` stay external:
// the heavy ones only some commands load (the Kubernetes client, pino, prom-client, nodemailer).
// Small libraries every local command needs (yaml, cron-parser) are devDependencies bundled into
// the chunks: one file read instead of Node's CommonJS loader resolving dozens of files at each start.
// The built-in templates and the native launcher's C source are copied next to the chunks
// (catalog.ts and native-launcher-build.ts find them via import.meta.url),
// and dist/cli/build-inputs.json records the sources, so bin/conveyor.js can tell a stale dist/.
import { build } from 'esbuild';
import { cpSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeStamp } from './dist-stamp.mjs';
import { KUBECONFIG_ONLY_NAMESPACE, kubeConfigOnly } from './kubeconfig-only.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const outdir = join(root, 'dist/cli');
const builtinSource = 'src/cli/templates/builtin';
const { dependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

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
  external: Object.keys(dependencies),
  // Bundled CommonJS code calls require() for Node's built-in modules.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
  // Stack traces map back to src/ with `node --enable-source-maps`; the sources are not shipped.
  sourcemap: 'linked',
  sourcesContent: false,
  metafile: true,
  logLevel: 'warning',
  plugins: [kubeConfigOnly(root)],
});
cpSync(join(root, builtinSource), join(outdir, 'builtin'), { recursive: true });
const launcherSource = 'src/executors/local/native-launcher.c';
cpSync(join(root, launcherSource), join(outdir, 'native-launcher.c'));

const templates = readdirSync(join(root, builtinSource)).map((f) => join(builtinSource, f));
const bundled = Object.keys(result.metafile.inputs).filter(
  (f) => !f.includes('node_modules/') && !f.startsWith(`${KUBECONFIG_ONLY_NAMESPACE}:`),
);
// package-lock.json stands for the bundled libraries' versions (one stat instead of one per file).
writeStamp(root, [
  ...bundled,
  ...templates,
  launcherSource,
  'scripts/build.mjs',
  'scripts/kubeconfig-only.mjs',
  'package-lock.json',
]);
