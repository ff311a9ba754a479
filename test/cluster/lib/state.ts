// The state file of a running test cluster (`<dir>/cluster.json`): what `cluster:down` stops and
// what test processes read to use a cluster started by `cluster:up` or by the test wrapper.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { ProcessRecord } from './processes.ts';
import type { KeyPair } from './pki.ts';

export interface ClusterState {
  version: 1;
  dir: string;
  server: string;
  nodeName: string;
  /** Admin kubeconfig (group system:masters). */
  kubeconfig: string;
  /** Kubeconfig of `alice`, an authenticated user without any RBAC rights. */
  userKubeconfig: string;
  ca: KeyPair;
  /** Components in start order; stopped in reverse. */
  processes: ProcessRecord[];
  /** The node agent's pid files of running containers (process groups). */
  pidDir: string;
}

export function writeState(path: string, state: ClusterState): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(state, null, 2) + '\n');
  renameSync(`${path}.tmp`, path);
}

export function readState(path: string): ClusterState {
  const state = JSON.parse(readFileSync(path, 'utf8')) as ClusterState;
  if (state.version !== 1)
    throw new Error(`${path}: unsupported cluster state version ${String(state.version)}`);
  return state;
}
