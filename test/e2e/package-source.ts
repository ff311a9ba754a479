// The package as users install it, made from this checkout: a copy of what the package is built
// from (package.json, bin, the build scripts, src, schema, crds; the checkout's node_modules linked
// in for the build tools), packed there (its `prepare` builds dist/) and installed globally into a
// temporary prefix. The checkout's own dist/ is never rebuilt under other tests' feet.
import { execFileSync } from 'node:child_process';
import { cpSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

export function copyPackageSource(dir: string): string {
  for (const path of ['package.json', 'package-lock.json', 'README.md', 'bin', 'src', 'schema', 'crds']) {
    cpSync(join(REPO, path), join(dir, path), { recursive: true });
  }
  for (const script of ['build.mjs', 'dist-stamp.mjs', 'kubeconfig-only.mjs']) {
    cpSync(join(REPO, 'scripts', script), join(dir, 'scripts', script));
  }
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export interface InstalledPackage {
  /** The global prefix: the commands are in `${prefix}/bin`. */
  readonly prefix: string;
  /** Where the package itself was installed. */
  readonly dir: string;
  /** The paths in the tarball. */
  readonly tarballFiles: readonly string[];
}

/** Packs the package in `${work}/source` and installs the tarball globally into `${work}/prefix`. */
export function packAndInstall(work: string): InstalledPackage {
  const source = copyPackageSource(join(work, 'source'));
  const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', work], source)) as {
    filename: string;
    files: { path: string }[];
  }[];
  const prefix = join(work, 'prefix');
  npm(['install', '--global', '--prefix', prefix, '--prefer-offline', join(work, packed[0]!.filename)], work);
  return {
    prefix,
    dir: join(prefix, 'lib', 'node_modules', 'conveyor'),
    tarballFiles: packed[0]!.files.map((f) => f.path),
  };
}
