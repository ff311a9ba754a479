// A copy of what the package is built from (package.json, bin, the build scripts, src, schema,
// crds), with the checkout's node_modules linked in for the build tools: a place to build and pack
// without rebuilding the checkout's own dist/ while other tests run it.
import { cpSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './cli-harness.ts';

export function copyPackageSource(dir: string): string {
  for (const path of ['package.json', 'package-lock.json', 'README.md', 'bin', 'src', 'schema', 'crds']) {
    cpSync(join(REPO, path), join(dir, path), { recursive: true });
  }
  for (const script of ['build.mjs', 'dist-stamp.mjs']) {
    cpSync(join(REPO, 'scripts', script), join(dir, 'scripts', script));
  }
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}
