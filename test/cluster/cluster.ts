// A running test cluster as seen from a process: the one that started it, or one that attached
// through its state file. Mints user kubeconfigs, reports memory, and stops it.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeKubeconfig } from './lib/kubeconfig.ts';
import { STATE_FILE_NAME } from './lib/layout.ts';
import { issueCertificate } from './lib/pki.ts';
import { layoutOf } from './lib/layout.ts';
import {
  isOurs,
  killProcessGroupNow,
  residentBytes,
  runsIn,
  startProcess,
  stopProcessGroup,
  type ProcessSpec,
  type RunningProcess,
} from './lib/processes.ts';
import { readState, writeState, type ClusterState } from './lib/state.ts';

/** Process name of the node agent in the state file. */
export const NODE_AGENT = 'node-agent';

/** Prefix of the temporary folders of clusters started for a test run. */
export const TEMP_PREFIX = 'conveyor-cluster-';

export class TestCluster {
  private readonly minted = new Map<string, Promise<string>>();
  private stopped: Promise<void> | undefined;
  private readonly exitHandler = () => this.killNow();
  /** How each component was started: known only to the process that started the cluster. */
  private readonly launches = new Map<string, ProcessSpec>();

  /** `owned`: this process started the cluster, which must not outlive it, whatever ends it. */
  constructor(
    readonly state: ClusterState,
    readonly owned: boolean,
  ) {
    if (owned) process.once('exit', this.exitHandler);
  }

  static fromState(stateFile: string): TestCluster {
    return new TestCluster(readState(stateFile), false);
  }

  get dir(): string {
    return this.state.dir;
  }

  get server(): string {
    return this.state.server;
  }

  /** Admin kubeconfig (group system:masters). */
  get kubeconfig(): string {
    return this.state.kubeconfig;
  }

  /** Kubeconfig of `alice`, authenticated but without any rights. */
  get userKubeconfig(): string {
    return this.state.userKubeconfig;
  }

  /**
   * A kubeconfig authenticating as `user` in `groups` with a client certificate from the cluster CA
   * (the API server takes the user from CN and the groups from O, as for any certificate user).
   */
  kubeconfigFor(user: string, groups: readonly string[] = []): Promise<string> {
    const suffix = createHash('sha256').update(groups.join('\n')).digest('hex').slice(0, 10);
    const stem = groups.length === 0 ? user : `${user}-${suffix}`;
    let minted = this.minted.get(stem);
    if (!minted) {
      minted = this.mint(stem, user, groups);
      this.minted.set(stem, minted);
    }
    return minted;
  }

  private async mint(stem: string, user: string, groups: readonly string[]): Promise<string> {
    const target = join(this.dir, 'kubeconfig', `${stem}.kubeconfig`);
    if (existsSync(target)) return target;
    // Another test process may mint the same user now: work privately, then rename into place.
    const work = await mkdtemp(join(this.dir, 'pki', 'mint-'));
    try {
      const pair = await issueCertificate(work, this.state.ca, {
        name: 'user',
        commonName: user,
        organizations: groups,
        usage: 'client',
      });
      const temp = join(work, 'kubeconfig');
      await writeKubeconfig(temp, {
        server: this.server,
        caCert: this.state.ca.cert,
        userName: user,
        user: pair,
      });
      await rename(temp, target);
      return target;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** Starts a component and records it (state file, and how to start it again). */
  launch(spec: ProcessSpec): RunningProcess {
    const p = startProcess(spec);
    this.launches.set(spec.name, spec);
    const record = { name: p.name, pid: p.pid, logFile: p.logFile };
    const at = this.state.processes.findIndex((q) => q.name === spec.name);
    if (at === -1) this.state.processes.push(record);
    else this.state.processes[at] = record;
    writeState(layoutOf(this.dir).stateFile, this.state);
    return p;
  }

  /**
   * Stops one component and leaves it down (fault injection: an API server outage). SIGKILL is a
   * crash; SIGTERM lets it shut down as it would for a restart.
   */
  async stopComponent(name: string, signal: 'SIGKILL' | 'SIGTERM' = 'SIGTERM'): Promise<void> {
    const p = this.state.processes.find((q) => q.name === name);
    if (!p) throw new Error(`no component ${name} in this cluster`);
    if (isOurs(p.pid, this.dir)) await stopProcessGroup(p.pid, signal === 'SIGKILL' ? 0 : 5_000);
  }

  /** Starts a component stopped by stopComponent again, exactly as it was first started. */
  restartComponent(name: string): RunningProcess {
    const spec = this.launches.get(name);
    if (!spec) throw new Error(`${name} was not started by this process, so it cannot be restarted`);
    return this.launch(spec);
  }

  /** Resident memory of each control-plane process (the containers' own processes excluded). */
  memory(): { name: string; bytes: number }[] {
    return this.state.processes.map((p) => ({ name: p.name, bytes: residentBytes(p.pid) }));
  }

  /** Stops the processes in reverse start order (node agent before the API server); removes the folder. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      for (const p of [...this.state.processes].reverse()) {
        if (isOurs(p.pid, this.dir)) await stopProcessGroup(p.pid);
        // Containers of a node agent that could not stop them itself.
        if (p.name === NODE_AGENT) for (const pid of this.containerGroups()) await stopProcessGroup(pid, 0);
      }
      rmSync(this.dir, { recursive: true, force: true });
      process.off('exit', this.exitHandler);
    })();
    return this.stopped;
  }

  /** Synchronous stop for 'exit' and signal handlers, which cannot wait. */
  killNow(): void {
    for (const pid of this.containerGroups()) killProcessGroupNow(pid);
    for (const p of this.state.processes) if (isOurs(p.pid, this.dir)) killProcessGroupNow(p.pid);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Process groups the node agent started that still run in the cluster folder (its pid files). */
  private containerGroups(): number[] {
    try {
      return readdirSync(this.state.pidDir)
        .map(Number)
        .filter((pid) => Number.isInteger(pid) && pid > 1 && runsIn(pid, this.dir));
    } catch {
      return [];
    }
  }
}

/**
 * Removes temporary clusters whose processes are all gone: a test process killed outright takes its
 * components with it (they watch their parent) but cannot remove its folder.
 */
export function removeAbandonedClusters(log: (line: string) => void): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const dir = join(tmpdir(), name);
    const stateFile = join(dir, STATE_FILE_NAME);
    if (!existsSync(stateFile)) continue;
    try {
      const cluster = TestCluster.fromState(stateFile);
      if (cluster.state.processes.some((p) => isOurs(p.pid, dir))) continue;
      cluster.killNow();
      log(`removed abandoned test cluster ${dir}`);
    } catch {
      /* unreadable: leave it alone */
    }
  }
}
