// The test control plane: starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and
// the node agent on free loopback ports under one folder, and waits until pods can run. Used by
// `npm run cluster:up`, scripts/cluster-test.ts and use-cluster.ts.
import { mkdirSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { NODE_AGENT, TEMP_PREFIX, TestCluster, removeAbandonedClusters } from './cluster.ts';
import type { NodeAgentConfig } from './node-agent/config.ts';
import { binary } from './lib/build.ts';
import {
  apiserverArgs,
  controllerManagerArgs,
  etcdArgs,
  kwokArgs,
  schedulerArgs,
  type Ports,
} from './lib/components.ts';
import { createCredentials } from './lib/credentials.ts';
import { ClusterStartError } from './lib/errors.ts';
import { createKwokNodes, kwokNodesReady } from './lib/kwok-nodes.ts';
import { layoutOf } from './lib/layout.ts';
import { freePorts } from './lib/ports.ts';
import { isAlive, tailFile, type RunningProcess } from './lib/processes.ts';
import { get, healthy } from './lib/readiness.ts';
import type { ClusterState } from './lib/state.ts';
import { pollUntil } from './lib/wait.ts';

export { ClusterStartError, TestCluster };

const here = fileURLToPath(new URL('.', import.meta.url));
export const REPO_ROOT = join(here, '..', '..');

export const ADMIN_USER = 'conveyor-admin';
/** Ordinary users with certificates from the start and no RBAC rights. */
export const PLAIN_USERS = ['alice', 'bob', 'carol'] as const;
export const NODE_NAME = 'conveyor-test-node';
/** What the node offers the scheduler: enough for parallel steps, finite so that fitting matters. */
const NODE_CAPACITY = { cpu: '8', memory: '16Gi', pods: '110', ephemeralStorage: '100Gi' };

export interface StartOptions {
  /** Folder for every file of the cluster; a fresh temporary folder by default. */
  dir?: string;
  /** Leave the processes running when this process exits (`cluster:up`). */
  background?: boolean;
  /** Progress lines (what is starting, how long it took). */
  log?: (line: string) => void;
  /** Folders put first on the PATH of every container; default: $CONVEYOR_NODE_EXTRA_PATH. */
  extraPath?: string[];
  /** Deadline for each component to become ready. */
  readyTimeoutMs?: number;
  /** Simulated kwok nodes for scale tests; default $CONVEYOR_KWOK_NODES or 0 (kwok is then not built). */
  kwokNodes?: number;
}

const KWOK_STAGES = join(here, 'kwok', 'stages.yaml');
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** Starts a cluster and resolves once pods can run on it (node Ready, `default` service account). */
export async function startCluster(options: StartOptions = {}): Promise<TestCluster> {
  const log = options.log ?? (() => {});
  const kwokNodes = options.kwokNodes ?? Number(process.env.CONVEYOR_KWOK_NODES ?? 0);
  if (!Number.isInteger(kwokNodes) || kwokNodes < 0)
    throw new ClusterStartError(`bad kwok node count: ${kwokNodes}`);
  const [controlplane, kwok] = await Promise.all([
    binary('controlplane', log),
    kwokNodes > 0 ? binary('kwok', log) : undefined,
  ]);
  const started = Date.now();
  if (!options.dir) removeAbandonedClusters(log);
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), TEMP_PREFIX)));
  const layout = layoutOf(dir);
  for (const folder of [layout.pki, layout.logs, layout.kubeconfigs, layout.node]) {
    mkdirSync(folder, { recursive: true });
  }
  const [etcdClient, etcdPeer, apiserver, controllerManager, scheduler, kubelet, kwokPort] = (await freePorts(
    7,
  )) as [number, number, number, number, number, number, number];
  const ports: Ports = {
    etcdClient,
    etcdPeer,
    apiserver,
    controllerManager,
    scheduler,
    kubelet,
    kwok: kwokPort,
  };
  const server = `https://127.0.0.1:${ports.apiserver}`;
  const credentials = await createCredentials(layout, server, {
    admin: ADMIN_USER,
    node: NODE_NAME,
    users: PLAIN_USERS,
  });
  const state: ClusterState = {
    version: 1,
    dir,
    server,
    nodeName: NODE_NAME,
    kubeconfig: credentials.admin.kubeconfig,
    userKubeconfig: credentials.users[PLAIN_USERS[0]]!,
    ca: credentials.ca,
    processes: [],
    pidDir: join(layout.node, 'pids'),
  };
  const cluster = new TestCluster(state, !options.background);
  // Unless they are to outlive us, components die with this process even when it is SIGKILLed.
  const env = options.background
    ? process.env
    : { ...process.env, CONTROLPLANE_PARENT_PID: String(process.pid) };
  const start = (name: string, command: string, args: string[], cwd = dir) =>
    cluster.launch({ name, command, args, env, cwd, logFile: join(layout.logs, `${name}.log`) });
  const ready = async (what: string, probe: () => Promise<boolean>, ...watched: RunningProcess[]) => {
    const since = Date.now();
    await pollUntil(
      async () => {
        for (const p of watched) {
          if (!isAlive(p.pid)) throw new ClusterStartError(`${p.name} exited:\n${tailFile(p.logFile)}`);
        }
        return probe();
      },
      {
        what,
        timeoutMs: options.readyTimeoutMs ?? 60_000,
        intervalMs: 100,
        fatal: (error) => error instanceof ClusterStartError,
        describe: () => watched.map((p) => `--- ${p.name}\n${tailFile(p.logFile)}`).join('\n'),
      },
    );
    log(`${what}: ${seconds(since)}`);
  };

  try {
    const etcd = start('etcd', controlplane, etcdArgs(layout, ports));
    const etcdHealth = `http://127.0.0.1:${ports.etcdClient}/health`;
    await ready('etcd ready', async () => (await get(etcdHealth)).body.includes('"health":"true"'), etcd);
    const api = start('kube-apiserver', controlplane, apiserverArgs(layout, ports, credentials.components));
    const ca = { ca: credentials.ca.cert };
    await ready('kube-apiserver ready', healthy(`${server}/readyz`, ca), etcd, api);
    const version = JSON.parse((await get(`${server}/version`, ca)).body) as { gitVersion: string };
    const kcm = start(
      'kube-controller-manager',
      controlplane,
      controllerManagerArgs(ports, credentials.components),
    );
    const sched = start('kube-scheduler', controlplane, schedulerArgs(ports, credentials.components));
    const agentConfig: NodeAgentConfig = {
      nodeName: NODE_NAME,
      kubeconfig: credentials.node.kubeconfig,
      port: ports.kubelet,
      tls: {
        cert: credentials.node.serving.cert,
        key: credentials.node.serving.key,
        clientCA: credentials.ca.cert,
      },
      workDir: layout.node,
      extraPath: options.extraPath ?? (process.env.CONVEYOR_NODE_EXTRA_PATH ?? '').split(':').filter(Boolean),
      capacity: NODE_CAPACITY,
      apiserver: { host: '127.0.0.1', port: ports.apiserver },
      kubeletVersion: version.gitVersion,
      ...(options.background ? {} : { parentPid: process.pid }),
    };
    const agentConfigFile = join(layout.node, 'config.json');
    await writeFile(agentConfigFile, JSON.stringify(agentConfig, null, 2));
    const agentMain = join(here, 'node-agent', 'main.ts');
    // From the repository, where `--import tsx` resolves.
    const agent = start(
      NODE_AGENT,
      process.execPath,
      ['--import', 'tsx', agentMain, agentConfigFile],
      REPO_ROOT,
    );

    const kube = new KubeConfig();
    kube.loadFromFile(state.kubeconfig);
    const core = kube.makeApiClient(CoreV1Api);
    const nodeReady = async () => {
      const node = await core.readNode({ name: NODE_NAME });
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
    };
    // Pods are refused until the service-account controller has made `default`.
    const defaultAccount = async () =>
      Boolean(await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' }));
    const componentHealth = (port: number) => healthy(`https://127.0.0.1:${port}/healthz`, ca);
    await Promise.all([
      ready('kube-controller-manager healthy', componentHealth(ports.controllerManager), api, kcm),
      ready('kube-scheduler healthy', componentHealth(ports.scheduler), api, sched),
      ready('node Ready', nodeReady, api, agent),
      ready('default service account', defaultAccount, api, kcm),
    ]);
    if (kwok) {
      const kwokProcess = start('kwok', kwok, kwokArgs(ports, credentials.components, KWOK_STAGES));
      await createKwokNodes(core, kwokNodes);
      await ready(`${kwokNodes} kwok nodes Ready`, () => kwokNodesReady(core, kwokNodes), api, kwokProcess);
    }
    log(`cluster ready in ${seconds(started)}`);
    return cluster;
  } catch (error) {
    if (process.env.CONVEYOR_CLUSTER_KEEP_FAILED === '1') log(`keeping ${dir} for inspection`);
    else await cluster.stop();
    if (error instanceof ClusterStartError) throw error;
    throw new ClusterStartError(`the test cluster did not start: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
