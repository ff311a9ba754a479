// Step Jobs and pods have names anyone can compute (names.ts). Someone who may create Jobs or pods in
// the run's namespace, but may not approve, can make them first: a Job under a gated step's name
// waiting for a real approval, or a pod under the Job's name (or labelled with it) that exits 0. The
// controller adopts a Job only when it carries the labels of the run, step and attempt and names the
// run as its controlling owner, and counts a pod only when the Job is its controlling owner and it
// carries the same labels; anything else is reported as taken, never as the step's outcome. Against
// the in-memory RunApi; the API server's own refusal is in test/cluster/step-objects-policy.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Plan } from '../../../src/engine/types.ts';
import { reconcileRun } from '../../../src/controller/reconcile-run.ts';
import type { ReconcileContext } from '../../../src/controller/reconcile-run.ts';
import type { JobObject, PodObject, WorkflowRunObject } from '../../../src/controller/resources.ts';
import type { JobDefaults } from '../../../src/executors/kubernetes/job-manifest.ts';
import { jobName } from '../../../src/executors/kubernetes/names.ts';
import {
  ANNOTATIONS,
  JOB_MANAGER,
  LABELS,
  MANAGED_BY,
  runOwnerReference,
} from '../../../src/spec/crd/identity.ts';
import { MemoryRunApi } from './support/memory-run-api.ts';

const NS = 'team-a';

interface Status {
  phase?: string;
  steps?: Record<string, { phase: string; reason?: string; message?: string }>;
}

function setup(jobDefaults: JobDefaults = { image: 'busybox' }) {
  const api = new MemoryRunApi();
  const ctx: ReconcileContext = { api, now: () => 0, jobDefaults, plans: new Map<string, Plan>() };
  return {
    api,
    reconcile: (name: string) => reconcileRun(ctx, api.run(NS, name)),
    status: (name: string) => (api.run(NS, name).status ?? {}) as Status,
    createRun: (name: string, steps: Record<string, unknown>[]) =>
      api.addRun(NS, name, { workflow: { steps } }, { [ANNOTATIONS.createdBy]: 'alice' }),
    /** An object made by someone else, straight into the "API server" (not through the controller). */
    plantJob: (job: JobObject & { spec?: Record<string, unknown> }) =>
      api.jobs.set(`${NS}/${job.metadata.name}`, job as never),
    plantPod: (pod: PodObject) => api.pods.set(`${NS}/${pod.metadata.name}`, pod),
  };
}

/** The labels the controller puts on a step attempt's Job and pod. */
function attemptLabels(run: string, step: string, attempt = 1): Record<string, string> {
  return {
    [LABELS.run]: run,
    [LABELS.workflow]: run,
    [LABELS.step]: step,
    [LABELS.attempt]: String(attempt),
    [LABELS.managedBy]: MANAGED_BY,
  };
}

/** A pod whose container exited: what a forger makes to fake a step's outcome. */
function exited(name: string, labels: Record<string, string>, owner?: { uid: string; controller: boolean }) {
  return {
    metadata: {
      name,
      namespace: NS,
      uid: `forged-${name}`,
      creationTimestamp: new Date(0).toISOString(),
      labels,
      ...(owner ? { ownerReferences: [owner] } : {}),
    },
    status: {
      phase: 'Succeeded',
      containerStatuses: [{ name: 'step', state: { terminated: { exitCode: 0 } } }],
    },
  } satisfies PodObject;
}

const gated = [
  { name: 'deploy', command: './deploy.sh', manual_approval: true, approvers: { users: ['bob'] } },
  { name: 'announce', command: './announce.sh', depends_on: ['deploy'] },
];

/** The ways a forged Job can name the run; none of them carries both the labels and the controller reference. */
const forgedJobs: [
  string,
  (run: WorkflowRunObject) => Pick<JobObject['metadata'], 'labels' | 'ownerReferences'>,
][] = [
  [
    'naming the run as its controlling owner, without the labels',
    (run) => ({ ownerReferences: [runOwnerReference({ name: run.metadata.name, uid: run.metadata.uid })] }),
  ],
  [
    'with the labels, owned by the run but not controlled by it',
    (run) => ({
      labels: attemptLabels(run.metadata.name, 'deploy'),
      ownerReferences: [{ uid: run.metadata.uid, controller: false }],
    }),
  ],
  [
    'controlled by the run, labelled for another step',
    (run) => ({
      labels: attemptLabels(run.metadata.name, 'announce'),
      ownerReferences: [runOwnerReference({ name: run.metadata.name, uid: run.metadata.uid })],
    }),
  ],
];

describe('a Job made first under a gated step’s name', () => {
  for (const [how, forge] of forgedJobs) {
    it(`is not adopted after the approval (${how}): the step fails as taken, and no pod is made from its template`, async () => {
      const t = setup();
      const run = t.createRun('gated', gated);
      await t.reconcile('gated');
      assert.equal(t.status('gated').phase, 'AwaitingApproval');
      const name = jobName('gated', 'deploy', 1);
      t.plantJob({
        metadata: { name, namespace: NS, uid: 'forged-job', ...forge(run) },
        spec: {
          managedBy: JOB_MANAGER,
          template: { spec: { containers: [{ name: 'step', image: 'evil', command: ['./steal.sh'] }] } },
        },
      });
      t.api.patchRunSpec(NS, 'gated', { approvals: { deploy: { bob: { decision: 'approved' } } } });
      await t.reconcile('gated');
      await t.reconcile('gated');
      assert.equal(t.api.pods.size, 0, 'the controller made a pod from the forged template');
      const step = t.status('gated').steps?.deploy;
      assert.equal(step?.phase, 'Failed');
      assert.equal(step?.reason, 'JobNameTaken');
      assert.match(
        step?.message ?? '',
        new RegExp(`a Job named ${name} exists and belongs to something else`),
      );
      assert.equal(t.status('gated').phase, 'Failed');
      assert.equal(t.api.jobs.has(`${NS}/${jobName('gated', 'announce', 1)}`), false, 'a dependent ran');
    });
  }

  it('is adopted when it is the controller’s own (labels and controlling owner): a restart after creating it', async () => {
    const t = setup();
    t.createRun('mine', [{ name: 'work', command: 'echo hi' }]);
    t.api.refusePods = { kind: 'refused', code: 500, message: 'crashed', retryable: false };
    t.api.patchRunStatus = () => Promise.reject(new Error('controller killed'));
    await assert.rejects(t.reconcile('mine'), /controller killed/);
    const restarted = setup();
    restarted.api.runs.set(`${NS}/mine`, t.api.run(NS, 'mine'));
    for (const [k, v] of t.api.jobs) restarted.api.jobs.set(k, v);
    for (const [k, v] of t.api.configMaps) restarted.api.configMaps.set(k, v);
    await restarted.reconcile('mine');
    assert.ok(restarted.api.pods.get(`${NS}/${jobName('mine', 'work', 1)}`));
    assert.equal(restarted.status('mine').steps?.work?.phase, 'Running');
  });
});

describe('a pod made first under a step Job’s name', () => {
  it('is not taken for the step’s pod: the step fails as taken, never Succeeded', async () => {
    const t = setup();
    t.createRun('squat', [
      { name: 'work', command: './work.sh' },
      { name: 'after', command: './after.sh', depends_on: ['work'] },
    ]);
    const name = jobName('squat', 'work', 1);
    t.plantPod(exited(name, { ...attemptLabels('squat', 'work'), 'job-name': name }));
    await t.reconcile('squat');
    await t.reconcile('squat');
    const step = t.status('squat').steps?.work;
    assert.equal(step?.phase, 'Failed');
    assert.equal(step?.reason, 'PodNameTaken');
    assert.match(step?.message ?? '', new RegExp(`a pod named ${name} exists and belongs to something else`));
    assert.equal(t.status('squat').phase, 'Failed');
    assert.equal(t.api.jobs.has(`${NS}/${jobName('squat', 'after', 1)}`), false, 'a dependent ran');
  });

  it('made after the step’s own pod was deleted is not counted either: the attempt is lost, not Succeeded', async () => {
    const t = setup();
    t.createRun('swap', [{ name: 'work', command: './work.sh' }]);
    await t.reconcile('swap');
    const name = jobName('swap', 'work', 1);
    await t.api.deletePod(NS, name);
    t.plantPod(exited(name, { ...attemptLabels('swap', 'work'), 'job-name': name }));
    await t.reconcile('swap');
    const step = t.status('swap').steps?.work;
    assert.equal(step?.phase, 'Failed');
    assert.equal(step?.reason, 'PodNameTaken');
    assert.equal(t.status('swap').phase, 'Failed');
  });
});

describe('a pod labelled with a step Job’s name that the Job does not control', () => {
  const fakes: [string, (job: JobObject) => { uid: string; controller: boolean } | undefined][] = [
    ['without an owner', () => undefined],
    ['owned by the Job but not controlled by it', (job) => ({ uid: job.metadata.uid, controller: false })],
  ];
  for (const pods of ['controller', 'job-controller'] as const) {
    for (const [how, owner] of fakes) {
      it(`does not end the step (${how}, pods made by the ${pods})`, async () => {
        const t = setup({ image: 'busybox', pods });
        t.createRun('fake', [{ name: 'work', command: './work.sh' }]);
        await t.reconcile('fake');
        const name = jobName('fake', 'work', 1);
        const job = t.api.jobs.get(`${NS}/${name}`);
        assert.ok(job);
        t.plantPod(exited('fake-exit-0', { ...attemptLabels('fake', 'work'), 'job-name': name }, owner(job)));
        await t.reconcile('fake');
        assert.equal(t.status('fake').steps?.work?.phase, 'Running', 'the forged exit counted');
        t.api.finishJob(NS, name, 3);
        await t.reconcile('fake');
        assert.equal(t.status('fake').phase, 'Failed');
        assert.equal(t.status('fake').steps?.work?.phase, 'Failed');
      });
    }
  }
});
