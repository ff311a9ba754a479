// Entry point of the test node agent: a stand-in kubelet that runs pods as local processes.
// Usage: node --import tsx test/cluster/node-agent/main.ts <config.json>
import { delimiter, dirname } from 'node:path';
import { CoordinationV1Api, CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { loadConfig } from './config.ts';
import { startLogServer } from './log-server.ts';
import { NODE_IP, NodeRegistration } from './node.ts';
import { PodManager } from './pods.ts';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function log(message: string): void {
  console.log(`${new Date().toISOString()} ${message}`);
}

const config = loadConfig(process.argv[2]);
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(config.kubeconfig);
const core = kubeConfig.makeApiClient(CoreV1Api);
const coordination = kubeConfig.makeApiClient(CoordinationV1Api);

// Containers get a clean environment, not the agent's (which may hold an admin KUBECONFIG). Node's
// own folder is on PATH for `#!/usr/bin/env node` stand-ins; extra folders come first.
const path = [...config.extraPath, dirname(process.execPath), DEFAULT_PATH].join(delimiter);
const apiPort = String(config.apiserver.port);
function baseEnv(pod: V1Pod, podDir: string): Record<string, string> {
  return {
    PATH: path,
    HOME: podDir,
    TMPDIR: `${podDir}/tmp`,
    HOSTNAME: pod.spec?.hostname ?? pod.metadata?.name ?? '',
    KUBERNETES_SERVICE_HOST: config.apiserver.host,
    KUBERNETES_SERVICE_PORT: apiPort,
    KUBERNETES_SERVICE_PORT_HTTPS: apiPort,
    KUBERNETES_PORT: `tcp://${config.apiserver.host}:${apiPort}`,
  };
}

const pods = new PodManager(kubeConfig, core, config.nodeName, {
  core,
  workDir: config.workDir,
  hostIP: NODE_IP,
  baseEnv,
  allocatable: config.capacity,
  log,
});
const node = new NodeRegistration(core, coordination, config, log);

let shuttingDown = false;
async function shutdown(signal: string): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  log(`${signal}: stopping containers`);
  node.stop();
  server.close();
  await pods.stop();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

const server = await startLogServer(pods, { port: config.port, ...config.tls });
await node.register();
await pods.start();
log(`node ${config.nodeName} ready; kubelet endpoint https://${NODE_IP}:${config.port}`);

if (config.parentPid !== undefined) {
  const parent = config.parentPid;
  // A test run killed outright cannot stop us: notice that its process is gone.
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      void shutdown('parent exited');
    }
  }, 1_000).unref();
}
