// Step Jobs the controller manages itself (spec.managedBy): it creates each Job's pod in the same
// reconcile, writes the Job's final status as the API server requires of such Jobs, enforces the
// Job's deadline, never gives an attempt a second pod, and waits out a pod refused for now. Against
// the in-memory RunApi; the real API server's part is in test/cluster/step-pods.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jobName } from '../../../src/executors/kubernetes/names.ts';
import type { Plan } from '../../../src/engine/types.ts';
import { reconcileRun } from '../../../src/controller/reconcile-run.ts';
import type { ReconcileContext } from '../../../src/controller/reconcile-run.ts';
import type { JobDefaults } from '../../../src/executors/kubernetes/job-manifest.ts';
import { ANNOTATIONS, JOB_MANAGER } from '../../../src/spec/crd/identity.ts';
import { MemoryRunApi } from './support/memory-run-api.ts';

const NS = 'team-a';

interface Status {
  phase?: string;
  steps?: Record<string, { phase: string; reason?: string; message?: string }>;
  jobsOwed?: string[];
  conditions?: { type: string; status: string; reason: string; message: string }[];
}

function setup(jobDefaults: JobDefaults = { image: 'busybox' }) {
  const api = new MemoryRunApi();
  let time = Date.parse('2026-12-07T10:00:00Z');
  const ctx: ReconcileContext = { api, now: () => time, jobDefaults, plans: new Map<string, Plan>() };
  api.clock = () => time;
  return {
    api,
    reconcile: (name: string) => reconcileRun(ctx, api.run(NS, name)),
    status: (name: string) => (api.run(NS, name).status ?? {}) as Status,
    advance: (ms: number) => {
      time += ms;
    },
    createRun: (name: string, steps: Record<string, unknown>[]) =>
      api.addRun(NS, name, { workflow: { steps } }, { [ANNOTATIONS.createdBy]: 'alice' }),
    job: (run: string, step: string, attempt = 1) => {
      const job = api.jobs.get(`${NS}/${jobName(run, step, attempt)}`);
      assert.ok(job, `Job of ${run}/${step}#${attempt}`);
      return job;
    },
    pod: (run: string, step: string, attempt = 1) => api.pods.get(`${NS}/${jobName(run, step, attempt)}`),
  };
}

describe('step pods created by the controller', () => {
  it("creates the step's pod with its Job, named after it and owned by it", async () => {
    const t = setup();
    t.createRun('r1', [{ name: 'work', command: 'echo hi' }]);
    await t.reconcile('r1');
    const job = t.job('r1', 'work');
    assert.equal((job.spec as { managedBy?: string }).managedBy, JOB_MANAGER);
    const pod = t.pod('r1', 'work') as unknown as {
      metadata: {
        labels: Record<string, string>;
        ownerReferences: { kind: string; uid: string; controller: boolean }[];
      };
      spec: { containers: { name: string }[]; restartPolicy: string };
    };
    assert.ok(pod, 'the pod exists as soon as the Job does');
    assert.deepEqual(
      pod.metadata.ownerReferences.map((o) => [o.kind, o.uid, o.controller]),
      [['Job', job.metadata.uid, true]],
    );
    assert.equal(pod.metadata.labels['controller-uid'], job.metadata.uid, "the Job's selector finds it");
    assert.equal(pod.spec.containers[0]?.name, 'step');
    assert.equal(t.status('r1').steps?.work?.phase, 'Running');
  });

  it("writes the Job's final status once the pod has ended, before the run's status says so", async () => {
    const t = setup();
    t.createRun('r2', [
      { name: 'a', command: 'true' },
      { name: 'b', command: 'false' },
    ]);
    await t.reconcile('r2');
    t.advance(3000);
    t.api.finishJob(NS, jobName('r2', 'a', 1), 0);
    await t.reconcile('r2');
    const a = t.job('r2', 'a').status;
    assert.deepEqual(
      a?.conditions?.map((c) => [c.type, c.status, c.reason]),
      [
        ['SuccessCriteriaMet', 'True', 'CompletionsReached'],
        ['Complete', 'True', 'CompletionsReached'],
      ],
    );
    assert.equal(a?.succeeded, 1);
    assert.ok(a?.startTime && a.completionTime && a.completionTime >= a.startTime, JSON.stringify(a));
    t.api.finishJob(NS, jobName('r2', 'b', 1), 1);
    await t.reconcile('r2');
    assert.equal(t.status('r2').phase, 'Failed');
    const b = t.job('r2', 'b').status;
    assert.deepEqual(
      b?.conditions?.map((c) => [c.type, c.reason]),
      [
        ['FailureTarget', 'BackoffLimitExceeded'],
        ['Failed', 'BackoffLimitExceeded'],
      ],
    );
    assert.equal(b?.failed, 1);
    assert.equal(b?.completionTime, undefined, 'a failed Job has no completion time');
    const writes = t.api.jobStatusWrites;
    await t.reconcile('r2');
    assert.equal(t.api.jobStatusWrites, writes, 'a concluded Job is not written again');
  });

  it('counts an attempt whose pod was deleted while it ran as lost, and never makes it a second pod', async () => {
    const t = setup();
    t.createRun('r3', [{ name: 'migrate', command: './migrate.sh' }]);
    await t.reconcile('r3');
    await t.api.deletePod(NS, jobName('r3', 'migrate', 1));
    await t.reconcile('r3');
    assert.equal(t.pod('r3', 'migrate'), undefined, 'no second pod for the same attempt');
    const step = t.status('r3').steps?.migrate;
    assert.equal(step?.phase, 'Failed');
    assert.match(step?.message ?? '', /its pod .* was deleted before it ended, and its outcome is unknown/);
    assert.equal(t.status('r3').phase, 'Failed');
  });

  it('creates the pod of a Job made just before a crash, when the run had not yet recorded the attempt', async () => {
    const t = setup();
    t.createRun('r4', [{ name: 'work', command: 'echo hi' }]);
    // The controller created the Job and died before its pod and before the run's status.
    t.api.refusePods = { kind: 'refused', code: 500, message: 'crashed', retryable: false };
    t.api.patchRunStatus = () => Promise.reject(new Error('controller killed'));
    await assert.rejects(t.reconcile('r4'), /controller killed/);
    assert.ok(t.job('r4', 'work'));
    assert.equal(t.pod('r4', 'work'), undefined);
    const restarted = setup();
    restarted.api.runs.set(`${NS}/r4`, t.api.run(NS, 'r4'));
    restarted.api.jobs.set(`${NS}/${jobName('r4', 'work', 1)}`, t.job('r4', 'work'));
    for (const [k, v] of t.api.configMaps) restarted.api.configMaps.set(k, v);
    await restarted.reconcile('r4');
    assert.ok(restarted.pod('r4', 'work'), 'the restarted controller creates the pod');
    assert.equal(restarted.status('r4').steps?.work?.phase, 'Running');
  });

  it('waits while the pod is refused for now (a quota), says why, and creates it once allowed', async () => {
    const t = setup();
    t.createRun('r5', [{ name: 'work', command: 'echo hi' }]);
    const message =
      'pods "x" is forbidden: exceeded quota: no-pods, requested: pods=1, used: pods=0, limited: pods=0';
    t.api.refusePods = { kind: 'refused', code: 403, message, retryable: true };
    const outcome = await t.reconcile('r5');
    const job = jobName('r5', 'work', 1);
    assert.deepEqual(t.status('r5').jobsOwed, [job]);
    const ready = t.status('r5').conditions?.find((c) => c.type === 'Reconciling');
    assert.equal(ready?.reason, 'QuotaExceeded');
    assert.equal(ready?.message, `step work: Job ${job} cannot create its pod: ${message}`);
    assert.ok(outcome.requeueAfterMs !== undefined, 'it looks again');
    await t.reconcile('r5');
    assert.equal(t.pod('r5', 'work'), undefined);
    assert.equal(t.status('r5').steps?.work?.phase, 'Running', 'an owed pod is not a lost attempt');
    t.api.refusePods = undefined;
    await t.reconcile('r5');
    assert.ok(t.pod('r5', 'work'));
    assert.equal(t.status('r5').jobsOwed, undefined);
    t.api.finishJob(NS, job, 0);
    await t.reconcile('r5');
    assert.equal(t.status('r5').phase, 'Succeeded');
  });

  it("ends an attempt at its Job's deadline: timed out, its pod deleted, the Job Failed with DeadlineExceeded", async () => {
    const t = setup();
    t.createRun('r6', [{ name: 'slow', command: 'sleep 600', timeout: '30s' }]);
    const first = await t.reconcile('r6');
    const job = t.job('r6', 'slow');
    assert.equal((job.spec as { activeDeadlineSeconds?: number }).activeDeadlineSeconds, 30);
    assert.ok(
      (first.requeueAfterMs ?? Infinity) <= 31_000,
      `looks again at the deadline: ${first.requeueAfterMs}`,
    );
    t.advance(20_000);
    await t.reconcile('r6');
    assert.equal(t.status('r6').steps?.slow?.phase, 'Running', 'not before its deadline');
    t.advance(10_000);
    await t.reconcile('r6');
    const step = t.status('r6').steps?.slow;
    assert.equal(step?.phase, 'Failed');
    assert.equal(step?.reason, 'TimedOut');
    assert.equal(t.pod('r6', 'slow'), undefined, 'the pod is deleted');
    assert.deepEqual(
      t.job('r6', 'slow').status?.conditions?.map((c) => [c.type, c.reason]),
      [
        ['FailureTarget', 'DeadlineExceeded'],
        ['Failed', 'DeadlineExceeded'],
      ],
    );
  });

  it('leaves pods to the Job controller when told to (--step-pods job-controller)', async () => {
    const t = setup({ image: 'busybox', pods: 'job-controller' });
    t.createRun('r7', [{ name: 'work', command: 'echo hi' }]);
    await t.reconcile('r7');
    assert.equal((t.job('r7', 'work').spec as { managedBy?: string }).managedBy, undefined);
    assert.equal(t.pod('r7', 'work'), undefined);
    t.api.finishJob(NS, jobName('r7', 'work', 1), 0);
    await t.reconcile('r7');
    assert.equal(t.status('r7').phase, 'Succeeded');
    assert.equal(t.api.jobStatusWrites, 0, 'the Job controller writes its Jobs');
  });
});

describe('a Job status write the API server refuses', () => {
  it('is reported as a Warning Event and does not hold the run up', async () => {
    const t = setup();
    t.createRun('r8', [{ name: 'work', command: 'true' }]);
    await t.reconcile('r8');
    t.api.refuseJobStatus = 'held by a policy';
    t.api.finishJob(NS, jobName('r8', 'work', 1), 0);
    await t.reconcile('r8');
    assert.equal(t.status('r8').phase, 'Succeeded');
    const event = t.api.events.find((e) => e.reason === 'JobStatusRefused');
    assert.match(event?.message ?? '', /refused the final status of Job r8-work-1-\w+: held by a policy/);
  });
});
