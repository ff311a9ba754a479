// Two controller replicas with --leader-elect on the real control plane: exactly one holds the
// Lease and acts, a run succeeds; SIGKILL of the leader hands over within about the lease duration
// (15 s) and a second run succeeds under the new leader; SIGTERM of the new leader releases the
// Lease at once (holderIdentity emptied), so a successor need not wait for it to expire.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { CREATED_BY_ANNOTATION } from '../../src/spec/crd/resources.ts';
import { ADMIN_USER } from './harness.ts';
import { apply, createNamespace, getObject, kubectl } from './kubectl.ts';
import { pollUntil } from './lib/wait.ts';
import type { KubectlOptions } from './kubectl.ts';
import { startController } from './controller-process.ts';
import type { ControllerProcess } from './controller-process.ts';
import { useCluster } from './use-cluster.ts';
import { installCrds } from './install-crds.ts';

const suite = await useCluster();
const LEASE = 'conveyor-controller';

interface Lease {
  spec?: { holderIdentity?: string | null; leaseTransitions?: number; renewTime?: string };
}

interface Replica {
  readonly id: string;
  readonly child: ChildProcess;
  readonly process: ControllerProcess;
  readonly exited: Promise<void>;
}

describe('leader election between two controller replicas', suite.options, () => {
  let ns: { name: string; remove: () => Promise<void> };
  let target: KubectlOptions;
  const replicas: Replica[] = [];

  function startReplica(id: string): Replica {
    const process = startController({
      kubeconfig: suite.get().kubeconfig,
      namespace: ns.name,
      args: ['--leader-elect', '--lease-namespace', ns.name],
      // POD_NAME makes the identity readable: <POD_NAME>_<pid>.
      env: { POD_NAME: id },
    });
    const replica: Replica = { id, child: process.child, process, exited: process.exited };
    replicas.push(replica);
    return replica;
  }

  const identityOf = (r: Replica): string => `${r.id}_${r.child.pid}`;
  const becameLeader = (r: Replica): boolean => /"msg":"became leader/.test(r.process.log());
  const logs = (): string =>
    replicas
      .map(
        (r) =>
          `--- ${r.id} (pid ${r.child.pid}, exit ${r.child.exitCode ?? r.child.signalCode}) ---\n${r.process.log().slice(-6000)}`,
      )
      .join('\n');
  const lease = (): Promise<Lease | undefined> => getObject<Lease>('lease', LEASE, target);

  async function createRun(name: string): Promise<void> {
    await apply(
      [
        {
          apiVersion: 'conveyor.dev/v1alpha1',
          kind: 'WorkflowRun',
          metadata: { name, namespace: ns.name, annotations: { [CREATED_BY_ANNOTATION]: ADMIN_USER } },
          spec: { workflow: { steps: [{ name: 'hello', command: 'echo hello' }] } },
        },
      ],
      target,
    );
  }

  function waitForSucceeded(name: string): Promise<unknown> {
    return pollUntil(
      async () => {
        const run = await getObject<{ status?: { phase?: string } }>('workflowrun', name, target);
        return run?.status?.phase === 'Succeeded' ? run : undefined;
      },
      {
        what: `run ${name} to succeed`,
        timeoutMs: 90_000,
        intervalMs: 300,
        describe: async () =>
          `${JSON.stringify(await getObject('workflowrun', name, target), null, 2)}\n${logs()}`,
      },
    );
  }

  before(async () => {
    const { kubeconfig } = suite.get();
    await installCrds(kubeconfig);
    ns = await createNamespace('leader', kubeconfig);
    target = { kubeconfig, namespace: ns.name };
  });

  after(async () => {
    for (const r of replicas)
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    await Promise.all(replicas.map((r) => r.exited));
    await ns?.remove();
  });

  test('one leads, a SIGKILLed leader is replaced within about 15 s, SIGTERM releases the Lease', async (t) => {
    const a = startReplica('replica-a');
    const b = startReplica('replica-b');
    try {
      // Exactly one holds the Lease and says so; the other stays a follower.
      const first = await pollUntil(
        async () => {
          const holder = (await lease())?.spec?.holderIdentity;
          const leader = [a, b].find((r) => identityOf(r) === holder);
          return leader && becameLeader(leader) ? leader : undefined;
        },
        { what: 'a leader', timeoutMs: 60_000, intervalMs: 250, describe: logs },
      );
      const follower = first === a ? b : a;
      await pollUntil(() => /"msg":"caches synced"/.test(follower.process.log()), {
        what: `${follower.id} to sync its caches`,
        timeoutMs: 30_000,
        describe: logs,
      });
      assert.equal(becameLeader(follower), false, `both replicas lead:\n${logs()}`);

      await createRun('before-failover');
      await waitForSucceeded('before-failover');
      assert.equal(
        becameLeader(follower),
        false,
        `the follower took the lead while the leader lived:\n${logs()}`,
      );
      const jobs = await kubectl(['get', 'jobs', '-o', 'name'], target);
      assert.equal(jobs.stdout.trim().split('\n').filter(Boolean).length, 1, jobs.stdout);

      // SIGKILL: no release; the follower takes over once the Lease expires.
      const killedAt = Date.now();
      first.child.kill('SIGKILL');
      await first.exited;
      const holderChange = await pollUntil(
        async () => ((await lease())?.spec?.holderIdentity === identityOf(follower) ? Date.now() : undefined),
        { what: `${follower.id} to take the Lease`, timeoutMs: 40_000, intervalMs: 100, describe: logs },
      );
      const takeoverS = (holderChange - killedAt) / 1000;
      t.diagnostic(`takeover after SIGKILL of the leader: ${takeoverS.toFixed(1)} s (lease duration 15 s)`);
      assert.ok(takeoverS <= 20, `takeover took ${takeoverS.toFixed(1)} s`);
      await pollUntil(() => becameLeader(follower), {
        what: `${follower.id} to log "became leader"`,
        timeoutMs: 5_000,
        describe: logs,
      });

      await createRun('after-failover');
      await waitForSucceeded('after-failover');

      // SIGTERM: the new leader finishes, releases the Lease (holder emptied) and exits.
      const termAt = Date.now();
      follower.child.kill('SIGTERM');
      const released = await pollUntil(
        async () => {
          const holder = (await lease())?.spec?.holderIdentity;
          return !holder ? Date.now() : undefined;
        },
        { what: 'the Lease to be released', timeoutMs: 5_000, intervalMs: 100, describe: logs },
      );
      t.diagnostic(`Lease released ${((released - termAt) / 1000).toFixed(1)} s after SIGTERM`);
      await pollUntil(() => follower.child.exitCode !== null || follower.child.signalCode !== null, {
        what: `${follower.id} to exit after SIGTERM`,
        timeoutMs: 10_000,
        describe: logs,
      });
      assert.equal(follower.child.exitCode, 0, logs());
    } catch (error) {
      console.error(logs());
      throw error;
    }
  });
});
