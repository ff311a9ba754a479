// The cluster for a node:test suite: the one KUBECONFIG points at when set (a cluster:up cluster, the
// test wrapper's, kind, k3d...), otherwise one started for this test process and stopped at its end.
// When none can start, suites skip with the reason, or fail when CONVEYOR_REQUIRE_CLUSTER=1.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ClusterStartError, PLAIN_USERS, TestCluster, startCluster } from './harness.ts';
import { STATE_FILE_NAME } from './lib/layout.ts';

export interface Cluster {
  /** Admin kubeconfig. */
  kubeconfig: string;
  /** A kubeconfig for `user` in `groups`: a client certificate on our clusters, impersonation elsewhere. */
  kubeconfigFor(user: string, groups?: readonly string[]): Promise<string>;
  /** How the cluster was found. */
  origin: 'started' | 'attached' | 'external';
}

export interface ClusterSuite {
  /** Pass as the options of `test()`/`describe()`: skips them when no cluster is available. */
  options: { skip: string | false };
  /** The cluster; throws when it is unavailable (only reached in tests that were not skipped). */
  get(): Cluster;
}

/** Set by scripts/cluster-test.ts when its cluster failed, so test files do not each try again. */
const UNAVAILABLE_ENV = 'CONVEYOR_CLUSTER_UNAVAILABLE';

let shared: Promise<Cluster> | undefined;

/** Our harness's state file for a kubeconfig it wrote (<dir>/kubeconfig/<name>.kubeconfig). */
function stateFileFor(kubeconfig: string): string | undefined {
  const candidate = join(dirname(dirname(kubeconfig)), STATE_FILE_NAME);
  return existsSync(candidate) ? candidate : undefined;
}

/** Any other cluster: users are impersonated by the admin credentials (needs `impersonate` rights). */
function externalCluster(kubeconfig: string): Cluster {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-kubeconfig-'));
  return {
    kubeconfig,
    origin: 'external',
    async kubeconfigFor(user, groups = []) {
      // Flattened so the copy stands alone; only the current context is kept.
      const raw = execFileSync('kubectl', ['config', 'view', '--raw', '--minify', '--flatten'], {
        env: { ...process.env, KUBECONFIG: kubeconfig },
        encoding: 'utf8',
      });
      const config = parse(raw) as { users: { user: Record<string, unknown> }[] };
      for (const entry of config.users) {
        entry.user.as = user;
        if (groups.length > 0) entry.user['as-groups'] = [...groups];
      }
      const path = join(dir, `${user}-${groups.join('_') || 'nogroups'}.kubeconfig`);
      writeFileSync(path, stringify(config), { mode: 0o600 });
      return path;
    },
  };
}

function fromHarness(cluster: TestCluster, origin: Cluster['origin']): Cluster {
  return {
    kubeconfig: cluster.kubeconfig,
    origin,
    kubeconfigFor: (user, groups) => cluster.kubeconfigFor(user, groups),
  };
}

async function startOwn(): Promise<Cluster> {
  const cluster = await startCluster({ log: (line) => console.error(`[cluster] ${line}`) });
  let stopping = false;
  // Graceful stop when the tests are done; 'exit' and signals kill synchronously as a last resort.
  process.on('beforeExit', () => {
    if (stopping) return;
    stopping = true;
    void cluster.stop();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cluster.killNow();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
  // Tools run by the tests (kubectl, the CLI under test) find it like any other cluster.
  process.env.KUBECONFIG = cluster.kubeconfig;
  return fromHarness(cluster, 'started');
}

async function findCluster(): Promise<Cluster> {
  const unavailable = process.env[UNAVAILABLE_ENV];
  if (unavailable) throw new ClusterStartError(unavailable);
  const kubeconfig = process.env.KUBECONFIG?.split(delimiter).find(Boolean);
  if (kubeconfig) {
    const state = stateFileFor(kubeconfig);
    return state ? fromHarness(TestCluster.fromState(state), 'attached') : externalCluster(kubeconfig);
  }
  return startOwn();
}

/**
 * The cluster for this test file, found or started once per process. Use as:
 *   const suite = await useCluster();
 *   test('...', suite.options, async () => { const cluster = suite.get(); ... });
 */
export async function useCluster(): Promise<ClusterSuite> {
  shared ??= findCluster();
  try {
    const cluster = await shared;
    return { options: { skip: false }, get: () => cluster };
  } catch (error) {
    const reason = `no Kubernetes cluster: ${(error as Error).message}`;
    if (process.env.CONVEYOR_REQUIRE_CLUSTER === '1')
      throw new Error(`${reason} (CONVEYOR_REQUIRE_CLUSTER=1)`, { cause: error });
    console.error(`skipping cluster tests: ${reason}`);
    return {
      options: { skip: reason.split('\n')[0]! },
      get: () => {
        throw new Error(reason);
      },
    };
  }
}

/** The user without rights that every cluster has a kubeconfig for. */
export const PLAIN_USER = PLAIN_USERS[0];
