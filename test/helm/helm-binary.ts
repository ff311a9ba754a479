// The `helm` binary for tests: scripts/helm.sh builds it from the Go module proxy on first use (a
// few minutes) and prints its path. Tests skip with the reason when it cannot be built, or fail
// when CONVEYOR_REQUIRE_CLUSTER=1 (CI must not pass by skipping).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHART_DIR = join(REPO_ROOT, 'helm', 'conveyor');

export interface HelmBinary {
  /** Path of helm, when it could be built. */
  helm?: string;
  /** `false`, or why the suite is skipped: pass as the `skip` option of describe(). */
  skip: string | false;
}

export function findHelm(): HelmBinary {
  const result = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'helm.sh')], {
    encoding: 'utf8',
    timeout: 20 * 60_000,
  });
  if (result.status === 0) return { helm: result.stdout.trim(), skip: false };
  const reason = `helm could not be built: ${(result.stderr || String(result.error)).trim().slice(-500)}`;
  if (process.env.CONVEYOR_REQUIRE_CLUSTER === '1')
    throw new Error(`CONVEYOR_REQUIRE_CLUSTER=1 but ${reason}`);
  return { skip: `${reason} (set CONVEYOR_REQUIRE_CLUSTER=1 to fail instead)` };
}
