// Step Jobs the controller manages itself (spec.managedBy, GA in Kubernetes 1.35), on the real API
// server and Job controller: the controller makes each Job's one pod, the API server accepts the
// final Job status it writes (kubectl shows the Job Complete or Failed, `kubectl logs job/NAME`
// works), the Job controller creates no pod of its own, a pod deleted while its step runs is never
// replaced, and a step past its timeout is stopped by the controller.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { jobName } from '../../src/executors/kubernetes/names.ts';
import { CREATED_BY_ANNOTATION } from '../../src/spec/crd/resources.ts';
import { JOB_MANAGER } from '../../src/spec/crd/identity.ts';
import { ADMIN_USER } from './harness.ts';
import { apply, getObject, kubectl, listObjects } from './kubectl.ts';
import { pollUntil } from './lib/wait.ts';
import { useControllerNamespace } from './controller-suite.ts';
import { useCluster } from './use-cluster.ts';

const suite = await useCluster();

interface Run {
  status?: { phase?: string; steps?: Record<string, { phase?: string; reason?: string; message?: string }> };
}

describe('step pods made by the controller', suite.options, () => {
  const setup = useControllerNamespace(suite, 'step-pods');

  async function startRun(name: string, steps: Record<string, unknown>[]): Promise<void> {
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
          spec: { workflow: { name, steps } },
        },
      ],
      setup.target,
    );
  }

  const runOf = (name: string) => getObject<Run>('workflowruns.conveyor.dev', name, setup.target);
  const podsOf = (job: string) =>
    listObjects<V1Pod>('pods', `batch.kubernetes.io/job-name=${job}`, setup.target);

  function waitForPhase(name: string, phase: string): Promise<Run> {
    return pollUntil(async () => ((await runOf(name))?.status?.phase === phase ? runOf(name) : undefined), {
      what: `${name} to be ${phase}`,
      timeoutMs: 90_000,
      describe: async () =>
        `${JSON.stringify((await runOf(name))?.status, null, 2)}\n${setup.controller.log().slice(-3000)}`,
    }) as Promise<Run>;
  }

  test('each Job gets one pod from the controller, ends Complete or Failed as kubectl shows it, and its log is there', async () => {
    await startRun('two', [
      { name: 'hello', command: 'echo hello from the step' },
      { name: 'broken', command: 'exit 3', depends_on: ['hello'] },
    ]);
    await waitForPhase('two', 'Failed');
    const hello = jobName('two', 'hello', 1);
    const job = await getObject<V1Job>('job', hello, setup.target);
    assert.equal(job?.spec?.managedBy, JOB_MANAGER);
    assert.deepEqual(
      job?.status?.conditions?.filter((c) => c.status === 'True').map((c) => c.type),
      ['SuccessCriteriaMet', 'Complete'],
    );
    assert.equal(job?.status?.succeeded, 1);
    const pods = await podsOf(hello);
    assert.deepEqual(
      pods.map((p) => p.metadata?.name),
      [hello],
      'one pod, named after its Job: none from the Job controller',
    );
    assert.equal((await kubectl(['logs', `job/${hello}`], setup.target)).stdout, 'hello from the step\n');
    const listed = await kubectl(['get', 'job', hello, '--no-headers'], setup.target);
    assert.match(listed.stdout, /Complete\s+1\/1/);
    const broken = await getObject<V1Job>('job', jobName('two', 'broken', 1), setup.target);
    assert.deepEqual(
      broken?.status?.conditions?.filter((c) => c.status === 'True').map((c) => [c.type, c.reason]),
      [
        ['FailureTarget', 'BackoffLimitExceeded'],
        ['Failed', 'BackoffLimitExceeded'],
      ],
    );
    const [brokenPod] = await podsOf(jobName('two', 'broken', 1));
    assert.equal(brokenPod?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 3);
  });

  test('a pod deleted while its step runs: the attempt is lost and never gets a second pod', async () => {
    await startRun('deleted', [{ name: 'migrate', command: 'sleep 600' }]);
    const job = jobName('deleted', 'migrate', 1);
    const pod = await pollUntil(async () => (await podsOf(job)).find((p) => p.status?.phase === 'Running'), {
      what: `the pod of ${job} to run`,
      timeoutMs: 60_000,
    });
    await kubectl(['delete', 'pod', job, '--wait=false'], setup.target);
    const run = await waitForPhase('deleted', 'Failed');
    assert.match(
      run.status?.steps?.migrate?.message ?? '',
      /was deleted before it ended, and its outcome is unknown/,
    );
    const after = await podsOf(job);
    assert.ok(
      after.every((p) => p.metadata?.uid === pod.metadata?.uid),
      `no new pod for the attempt: ${after.map((p) => p.metadata?.uid).join(', ')}`,
    );
  });

  test('a step past its timeout is stopped by the controller and its Job fails with DeadlineExceeded', async () => {
    await startRun('slow', [{ name: 'wait', command: 'sleep 600', timeout: '3s' }]);
    const run = await waitForPhase('slow', 'Failed');
    assert.equal(run.status?.steps?.wait?.reason, 'TimedOut');
    const job = await getObject<V1Job>('job', jobName('slow', 'wait', 1), setup.target);
    assert.equal(job?.status?.conditions?.find((c) => c.type === 'Failed')?.reason, 'DeadlineExceeded');
    await pollUntil(
      async () => ((await podsOf(jobName('slow', 'wait', 1))).length === 0 ? true : undefined),
      { what: 'the timed-out pod to be gone', timeoutMs: 60_000 },
    );
  });
});
