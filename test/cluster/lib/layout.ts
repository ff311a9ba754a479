// Where the files of one test cluster live: everything under a single folder, removed by stop().
import { join } from 'node:path';

export interface Layout {
  dir: string;
  pki: string;
  etcdData: string;
  logs: string;
  kubeconfigs: string;
  /** The node agent's work folder: pod folders, container logs, pid files of running containers. */
  node: string;
  /** State written for `cluster:down` and for test processes that attach to a running cluster. */
  stateFile: string;
}

export const STATE_FILE_NAME = 'cluster.json';

export function layoutOf(dir: string): Layout {
  return {
    dir,
    pki: join(dir, 'pki'),
    etcdData: join(dir, 'etcd'),
    logs: join(dir, 'logs'),
    kubeconfigs: join(dir, 'kubeconfig'),
    node: join(dir, 'node'),
    stateFile: join(dir, STATE_FILE_NAME),
  };
}
