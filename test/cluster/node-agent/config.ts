// The node agent's configuration, written by the harness as JSON and passed as the only argument.
import { readFileSync } from 'node:fs';

export interface NodeAgentConfig {
  nodeName: string;
  /** Credentials of user system:node:<nodeName> in group system:nodes, as a kubelet has. */
  kubeconfig: string;
  /** HTTPS port for /containerLogs, published as the node's kubelet endpoint. */
  port: number;
  tls: { cert: string; key: string; clientCA: string };
  /** Pod folders, container logs and pid files live here. */
  workDir: string;
  /** Folders put in front of PATH for every container (CONVEYOR_NODE_EXTRA_PATH). */
  extraPath: string[];
  capacity: { cpu: string; memory: string; pods: string; ephemeralStorage: string };
  /** Where containers reach the API server (KUBERNETES_SERVICE_HOST/PORT). */
  apiserver: { host: string; port: number };
  kubeletVersion: string;
  /** Exit when this process is gone (test runs); unset for `cluster:up`. */
  parentPid?: number;
}

export function loadConfig(path: string | undefined): NodeAgentConfig {
  if (!path) throw new Error('usage: node-agent <config.json>');
  const config = JSON.parse(readFileSync(path, 'utf8')) as NodeAgentConfig;
  for (const key of ['nodeName', 'kubeconfig', 'port', 'tls', 'workDir', 'capacity', 'apiserver'] as const) {
    if (config[key] === undefined) throw new Error(`${path}: missing ${key}`);
  }
  return config;
}
