// The Node object of the test node: registration with capacity and a Ready condition, the Lease
// heartbeat in kube-node-lease that the node lifecycle controller watches, and a periodic status.
import { randomUUID } from 'node:crypto';
import { arch, release } from 'node:os';
import type { CoordinationV1Api, CoreV1Api, V1NodeCondition } from '@kubernetes/client-node';
import { describeError, isConflict, isNotFound, mergePatch } from './api.ts';
import type { NodeAgentConfig } from './config.ts';

// The kubelet's defaults: renew the lease every 10 s for a 40 s duration.
const LEASE_DURATION_SECONDS = 40;
const LEASE_RENEW_MS = 10_000;
const STATUS_REPORT_MS = 60_000;
export const NODE_IP = '127.0.0.1';

const GO_ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ppc64: 'ppc64le',
  s390x: 's390x',
};

/** metav1.MicroTime wants exactly six fractional digits; Date.toISOString has three. */
function microTime(date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function conditions(now: string): V1NodeCondition[] {
  const condition = (type: string, status: string, reason: string, message: string) =>
    ({
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: now,
      lastTransitionTime: now,
    }) as unknown as V1NodeCondition;
  return [
    condition(
      'MemoryPressure',
      'False',
      'KubeletHasSufficientMemory',
      'kubelet has sufficient memory available',
    ),
    condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    condition('Ready', 'True', 'KubeletReady', 'conveyor test node agent is posting ready status'),
  ];
}

export class NodeRegistration {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly bootID = randomUUID();
  private transitionTime = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

  constructor(
    private readonly core: CoreV1Api,
    private readonly coordination: CoordinationV1Api,
    private readonly config: NodeAgentConfig,
    private readonly log: (message: string) => void,
  ) {}

  private status(): Record<string, unknown> {
    const { capacity } = this.config;
    const resources = {
      cpu: capacity.cpu,
      memory: capacity.memory,
      pods: capacity.pods,
      'ephemeral-storage': capacity.ephemeralStorage,
    };
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    // Transition times stay put while the condition does not change, as the kubelet reports them.
    const conds = conditions(now).map((c) => ({ ...c, lastTransitionTime: this.transitionTime }));
    return {
      capacity: resources,
      allocatable: resources,
      conditions: conds,
      addresses: [
        { type: 'InternalIP', address: NODE_IP },
        { type: 'Hostname', address: this.config.nodeName },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: this.config.port } },
      nodeInfo: {
        machineID: this.bootID.replaceAll('-', ''),
        systemUUID: this.bootID,
        bootID: this.bootID,
        kernelVersion: release(),
        osImage: 'conveyor test node (processes on the host)',
        containerRuntimeVersion: 'conveyor-node-agent://0.1.0',
        kubeletVersion: this.config.kubeletVersion,
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: GO_ARCH[arch()] ?? arch(),
      },
    };
  }

  async register(): Promise<void> {
    const name = this.config.nodeName;
    const labels = {
      'kubernetes.io/hostname': name,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': GO_ARCH[arch()] ?? arch(),
      'conveyor.dev/test-node': 'true',
    };
    try {
      await this.core.createNode({ body: { metadata: { name, labels }, status: this.status() as never } });
      this.log(`registered node ${name}`);
    } catch (error) {
      if (!isConflict(error)) throw error;
      this.log(`node ${name} exists; taking it over`);
    }
    // Status on create is not guaranteed to be kept: always set it through the status subresource.
    await this.reportStatus();
    await this.renewLease();
    this.timers.push(
      setInterval(
        () => void this.renewLease().catch((e) => this.log(`lease renewal failed: ${describeError(e)}`)),
        LEASE_RENEW_MS,
      ),
      setInterval(
        () => void this.reportStatus().catch((e) => this.log(`status report failed: ${describeError(e)}`)),
        STATUS_REPORT_MS,
      ),
    );
  }

  async reportStatus(): Promise<void> {
    await this.core.patchNodeStatus(
      { name: this.config.nodeName, body: { status: this.status() } },
      mergePatch,
    );
  }

  async renewLease(): Promise<void> {
    const name = this.config.nodeName;
    const namespace = 'kube-node-lease';
    const spec = {
      holderIdentity: name,
      leaseDurationSeconds: LEASE_DURATION_SECONDS,
      renewTime: microTime(),
    };
    try {
      await this.coordination.patchNamespacedLease({ name, namespace, body: { spec } }, mergePatch);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const node = await this.core.readNode({ name });
      await this.coordination.createNamespacedLease({
        namespace,
        body: {
          metadata: {
            name,
            namespace,
            // The kubelet ties its lease to the Node so that deleting the node removes the lease.
            ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata?.uid ?? '' }],
          },
          spec: spec as never,
        },
      });
    }
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
  }
}
