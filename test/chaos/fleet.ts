// The controller replicas under chaos: one, or two with leader election, each a real `conveyor
// controller` process that can be killed (SIGKILL), frozen (SIGSTOP) and thawed, and is replaced at
// once when it dies, as a Deployment would.
import { startController, type ControllerProcess } from '../cluster/controller-process.ts';
import { getObject } from '../cluster/kubectl.ts';
import { pollUntil } from '../cluster/lib/wait.ts';

const LEASE = 'conveyor-controller';

export interface FleetOptions {
  kubeconfig: string;
  namespace: string;
  stepEnv: Record<string, string>;
}

interface Replica {
  id: string;
  process: ControllerProcess;
}

export class Fleet {
  private replicas: Replica[] = [];
  private serial = 0;
  private leaderElection = false;
  /** Logs of replicas that are gone, for failure reports. */
  private past = '';

  constructor(private readonly options: FleetOptions) {}

  /** Starts `count` replicas (leader election when more than one) and waits until one reconciles. */
  async start(count: 1 | 2): Promise<void> {
    await this.stopAll();
    this.leaderElection = count > 1;
    for (let i = 0; i < count; i++) this.spawn();
    await this.waitForLeader();
  }

  get mode(): 'single' | 'leader-election' {
    return this.leaderElection ? 'leader-election' : 'single';
  }

  /** The replica that reconciles: the only one, or the Lease holder that says it leads. */
  async leader(): Promise<Replica | undefined> {
    if (!this.leaderElection) return this.replicas[0];
    const lease = await getObject<{ spec?: { holderIdentity?: string } }>('lease', LEASE, {
      kubeconfig: this.options.kubeconfig,
      namespace: this.options.namespace,
    });
    const holder = lease?.spec?.holderIdentity;
    const replica = this.replicas.find((r) => `${r.id}_${r.process.child.pid}` === holder);
    return replica && replica.process.log().includes('"became leader') ? replica : undefined;
  }

  /** SIGKILL the reconciling replica and start a replacement; resolves once someone reconciles again. */
  async killLeader(): Promise<void> {
    const victim = (await this.leader()) ?? this.replicas[0];
    if (!victim) return;
    await this.remove(victim, 'SIGKILL');
    this.spawn();
    await this.waitForLeader(victim);
  }

  /**
   * SIGSTOP the leader for `ms` (longer than the lease: a standby takes over meanwhile), then SIGCONT:
   * the thawed replica must notice it lost the lease before acting on anything.
   */
  async freezeLeader(ms: number): Promise<void> {
    const victim = await this.leader();
    if (!victim) return;
    victim.process.child.kill('SIGSTOP');
    try {
      await new Promise((resolve) => setTimeout(resolve, ms));
    } finally {
      victim.process.child.kill('SIGCONT');
    }
    await this.waitForLeader();
  }

  log(): string {
    return this.past + this.replicas.map((r) => `--- ${r.id} ---\n${r.process.log()}`).join('\n');
  }

  async stopAll(): Promise<void> {
    for (const replica of [...this.replicas]) await this.remove(replica, 'SIGTERM');
  }

  private spawn(): Replica {
    const id = `controller-${++this.serial}`;
    const process = startController({
      kubeconfig: this.options.kubeconfig,
      namespace: this.options.namespace,
      stepEnv: this.options.stepEnv,
      args: this.leaderElection ? ['--leader-elect', '--lease-namespace', this.options.namespace] : [],
      env: { POD_NAME: id },
    });
    const replica = { id, process };
    this.replicas.push(replica);
    // A replica that dies on its own is replaced too (the Deployment's restart).
    void process.exited.then(() => {
      if (!this.replicas.includes(replica)) return;
      this.past += `--- ${id} (exited on its own) ---\n${process.log()}\n`;
      this.replicas = this.replicas.filter((r) => r !== replica);
      this.spawn();
    });
    return replica;
  }

  private async remove(replica: Replica, signal: NodeJS.Signals): Promise<void> {
    this.replicas = this.replicas.filter((r) => r !== replica);
    replica.process.child.kill('SIGCONT');
    await replica.process.stop(signal);
    this.past += `--- ${replica.id} (${signal}) ---\n${replica.process.log()}\n`;
  }

  /** Until a replica other than `not` reconciles (single: has started; leader election: leads). */
  private async waitForLeader(not?: Replica): Promise<void> {
    await pollUntil(
      async () => {
        const leader = await this.leader();
        if (!leader || leader === not) return false;
        return this.leaderElection || leader.process.log().includes('"controller started"');
      },
      {
        what: 'a controller replica to reconcile',
        timeoutMs: 120_000,
        intervalMs: 200,
        describe: () => this.log().slice(-6000),
      },
    );
  }
}
