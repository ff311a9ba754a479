// A step whose Job cannot get a running container says why in the run's Reconciling condition (what
// `kubectl get wfr`, Argo CD and Flux show): pods refused by a ResourceQuota (the Job controller's
// own FailedCreate message), and a pod no node can take (the scheduler's message). When the cause
// goes, the run goes on.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CREATED_BY_ANNOTATION } from '../../src/spec/crd/resources.ts';
import { ADMIN_USER } from './harness.ts';
import { apply, getObject, kubectl } from './kubectl.ts';
import { pollUntil } from './lib/wait.ts';
import { useControllerNamespace } from './controller-suite.ts';
import { useCluster } from './use-cluster.ts';

const suite = await useCluster();

interface Run {
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
}

describe('a step that cannot start', suite.options, () => {
  const setup = useControllerNamespace(suite, 'stuck');

  async function startRun(name: string, step: Record<string, unknown>): Promise<void> {
    await apply(
      [
        {
          apiVersion: 'conveyor.dev/v1alpha1',
          kind: 'WorkflowRun',
          metadata: {
            name,
            namespace: setup.namespace,
            annotations: { [CREATED_BY_ANNOTATION]: ADMIN_USER },
          },
          spec: { workflow: { name, steps: [{ name: 'work', ...step }] } },
        },
      ],
      setup.target,
    );
  }

  function waitForReconciling(name: string, reason: string): Promise<{ message: string }> {
    return pollUntil(
      async () => {
        const run = await getObject<Run>('workflowrun', name, setup.target);
        const c = run?.status?.conditions?.find((x) => x.type === 'Reconciling');
        return c?.status === 'True' && c.reason === reason ? c : undefined;
      },
      {
        what: `${name} to say ${reason}`,
        timeoutMs: 60_000,
        describe: async () =>
          `${JSON.stringify((await getObject<Run>('workflowrun', name, setup.target))?.status?.conditions, null, 2)}\n${setup.controller.log().slice(-3000)}`,
      },
    );
  }

  test('pods refused by a ResourceQuota: the Job controller says why, and the run goes on once it is lifted', async () => {
    await apply(
      [
        {
          apiVersion: 'v1',
          kind: 'ResourceQuota',
          metadata: { name: 'no-pods', namespace: setup.namespace },
          spec: { hard: { pods: '0' } },
        },
      ],
      setup.target,
    );
    await startRun('quota-1', { command: 'echo done' });
    const condition = await waitForReconciling('quota-1', 'QuotaExceeded');
    assert.match(
      condition.message,
      /step work: Job quota-1-work-1-[0-9a-f]{6} cannot create its pod: .*exceeded quota: no-pods/,
    );
    const run = await getObject<Run>('workflowrun', 'quota-1', setup.target);
    assert.equal(run?.status?.conditions?.find((c) => c.type === 'Ready')?.message, condition.message);
    await kubectl(['delete', 'resourcequota', 'no-pods'], setup.target);
    await pollUntil(
      async () =>
        (await getObject<Run>('workflowrun', 'quota-1', setup.target))?.status?.phase === 'Succeeded' ||
        undefined,
      {
        what: 'quota-1 to succeed once the quota is gone',
        timeoutMs: 120_000,
        describe: () => setup.controller.log().slice(-3000),
      },
    );
  });

  test('a pod no node can take: the scheduler says why', async () => {
    await startRun('huge-1', { command: 'echo never', resources: { cpu: '5000' } });
    const condition = await waitForReconciling('huge-1', 'Unschedulable');
    assert.match(
      condition.message,
      /step work: pod huge-1-work-1-[0-9a-f]{6}(-\w+)? cannot be scheduled: 0\/\d+ nodes are available/,
    );
    await kubectl(
      ['patch', 'workflowrun', 'huge-1', '--type', 'merge', '-p', '{"spec":{"cancel":true}}'],
      setup.target,
    );
    await pollUntil(
      async () =>
        (await getObject<Run>('workflowrun', 'huge-1', setup.target))?.status?.phase === 'Cancelled' ||
        undefined,
      {
        what: 'huge-1 cancelled',
      },
    );
  });
});
