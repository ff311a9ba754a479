// reconcileRun against an in-memory RunApi (ours, not a mock of Kubernetes): a run starts, pins its
// workflow, runs its steps as Jobs, waits for approval, finishes, and every way it can be stopped
// (pin missing or tampered, a lost write, a Job refused, an unreadable engine state) ends as it should.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jobName, pinnedWorkflowName } from '../../../src/executors/kubernetes/names.ts';
import type { Plan } from '../../../src/engine/types.ts';
import { reconcileRun } from '../../../src/controller/reconcile-run.ts';
import { ConflictError } from '../../../src/controller/run-api.ts';
import type { ReconcileContext, ReconcileOutcome } from '../../../src/controller/reconcile-run.ts';
import { ANNOTATIONS, LABELS } from '../../../src/spec/crd/identity.ts';
import { MemoryRunApi } from './support/memory-run-api.ts';

const NS = 'team-a';

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

interface Status {
  phase?: string;
  reason?: string;
  message?: string;
  conditions?: Condition[];
  steps?: Record<string, { phase: string; attempts?: number; reason?: string; message?: string }>;
  outputs?: Record<string, string>;
  jobsOwed?: string[];
  engine?: unknown;
}

function setup() {
  const api = new MemoryRunApi();
  let time = 1_700_000_000_000;
  const ctx: ReconcileContext = {
    api,
    now: () => time,
    jobDefaults: { image: 'busybox' },
    plans: new Map<string, Plan>(),
  };
  const reconcile = (name: string): Promise<ReconcileOutcome> => reconcileRun(ctx, api.run(NS, name));
  const status = (name: string): Status => (api.run(NS, name).status ?? {}) as Status;
  const condition = (name: string, type: string): Condition | undefined =>
    status(name).conditions?.find((c) => c.type === type);
  const advance = (ms: number): void => {
    time += ms;
  };
  const createRun = (name: string, steps: Record<string, unknown>[]) =>
    api.addRun(NS, name, { workflow: { steps } }, { [ANNOTATIONS.createdBy]: 'alice' });
  return { api, ctx, reconcile, status, condition, advance, createRun };
}

const oneStep = [{ name: 'work', command: 'echo hi' }];

describe('reconcileRun', () => {
  it('pins the workflow of a run whose name is longer than a label value may be, and runs it', async () => {
    const t = setup();
    const name = `long-${'n'.repeat(70)}`;
    t.createRun(name, oneStep);
    await t.reconcile(name);
    assert.equal(t.status(name).phase, 'Running', JSON.stringify(t.status(name)));
    const pin = t.api.configMaps.get(`${NS}/${pinnedWorkflowName(name)}`);
    assert.ok((pin?.metadata.labels?.[LABELS.run]?.length ?? 99) <= 63);
    assert.ok(t.api.jobs.has(`${NS}/${jobName(name, 'work', 1)}`));
  });

  it('releases the parsed plan of a run once it finishes', async () => {
    const t = setup();
    const run = t.createRun('done-1', oneStep);
    await t.reconcile('done-1');
    assert.ok(t.ctx.plans.has(run.metadata.uid), 'a running run keeps its plan');
    t.api.finishJob(NS, jobName('done-1', 'work', 1), 0);
    const outcome = await t.reconcile('done-1');
    assert.equal(t.status('done-1').phase, 'Succeeded');
    assert.ok(outcome.finished);
    assert.equal(t.ctx.plans.has(run.metadata.uid), false);
    // Reconciled again (its own status write wakes it), a finished run does not keep one either.
    await t.reconcile('done-1');
    assert.equal(t.ctx.plans.has(run.metadata.uid), false);
    assert.equal(t.status('done-1').phase, 'Succeeded');
  });

  it('runs the steps of a run as Jobs in order and ends Succeeded with its captured output', async () => {
    const t = setup();
    t.createRun('happy', [
      { name: 'build', command: 'echo 1.2.3', capture_output: 'version' },
      { name: 'deploy', command: 'echo deploy' },
    ]);
    await t.reconcile('happy');
    assert.equal(t.status('happy').phase, 'Running');
    assert.equal(t.condition('happy', 'Reconciling')?.status, 'True');
    assert.deepEqual([...t.api.jobs.keys()], [`${NS}/${jobName('happy', 'build', 1)}`]);
    t.api.finishJob(NS, jobName('happy', 'build', 1), 0, '1.2.3\n');
    await t.reconcile('happy');
    assert.ok(t.api.jobs.has(`${NS}/${jobName('happy', 'deploy', 1)}`), 'the second step starts');
    t.api.finishJob(NS, jobName('happy', 'deploy', 1), 0);
    const outcome = await t.reconcile('happy');
    const status = t.status('happy');
    assert.equal(status.phase, 'Succeeded');
    assert.deepEqual(status.outputs, { version: '1.2.3' });
    assert.equal(t.condition('happy', 'Ready')?.status, 'True');
    assert.equal(outcome.finished?.state.phase, 'Succeeded');
  });

  it('does not write a status that has not changed', async () => {
    const t = setup();
    t.createRun('quiet', oneStep);
    await t.reconcile('quiet');
    const writes = t.api.statusWrites;
    await t.reconcile('quiet');
    assert.equal(t.api.statusWrites, writes);
  });

  it('waits for approval without a Job, and runs the step once it is approved', async () => {
    const t = setup();
    t.createRun('gated', [
      { name: 'gate', command: 'echo go', manual_approval: true, approvers: { users: ['bob'] } },
    ]);
    await t.reconcile('gated');
    assert.equal(t.status('gated').phase, 'AwaitingApproval');
    assert.equal(t.condition('gated', 'AwaitingApproval')?.status, 'True');
    assert.match(t.condition('gated', 'AwaitingApproval')?.message ?? '', /approve RUN gate/);
    assert.equal(t.api.jobs.size, 0);
    t.api.patchRunSpec(NS, 'gated', { approvals: { gate: { bob: { decision: 'approved' } } } });
    await t.reconcile('gated');
    assert.ok(t.api.jobs.has(`${NS}/${jobName('gated', 'gate', 1)}`));
    assert.equal(t.condition('gated', 'AwaitingApproval')?.status, 'False');
    t.api.finishJob(NS, jobName('gated', 'gate', 1), 0);
    await t.reconcile('gated');
    assert.equal(t.status('gated').phase, 'Succeeded');
  });

  it('waits for a Workflow that does not exist yet, and starts once it does', async () => {
    const t = setup();
    t.api.addRun(NS, 'early', { workflowRef: { name: 'later' } });
    const outcome = await t.reconcile('early');
    assert.equal(t.status('early').phase, 'Pending');
    assert.equal(t.condition('early', 'Reconciling')?.reason, 'WorkflowNotFound');
    assert.equal(outcome.requeueAfterMs, 10_000);
    t.api.addWorkflow(NS, 'later', { steps: oneStep });
    await t.reconcile('early');
    assert.equal(t.status('early').phase, 'Running');
    assert.equal(t.status('early').reason, undefined, 'the stale reason is gone');
  });

  it('fails a run whose pinned workflow is missing once the controller no longer has its plan, and says so once', async () => {
    const t = setup();
    t.createRun('unpinned', oneStep);
    await t.reconcile('unpinned');
    t.api.configMaps.delete(`${NS}/${pinnedWorkflowName('unpinned')}`);
    t.ctx.plans.clear(); // a restarted controller
    await t.reconcile('unpinned');
    assert.equal(t.status('unpinned').phase, 'Failed');
    assert.equal(t.condition('unpinned', 'Stalled')?.status, 'True');
    assert.equal(t.condition('unpinned', 'Stalled')?.reason, 'PinnedWorkflowUnavailable');
    const writes = t.api.statusWrites;
    await t.reconcile('unpinned');
    assert.equal(t.api.statusWrites, writes, 'the same problem is not written again');
    assert.equal(t.api.events.filter((e) => e.reason === 'PinnedWorkflowUnavailable').length, 1);
  });

  it('stalls a run whose pinned workflow was changed, keeps its phase and starts nothing more', async () => {
    const t = setup();
    t.createRun('tampered', [
      { name: 'first', command: 'echo 1' },
      { name: 'second', command: 'echo 2' },
    ]);
    await t.reconcile('tampered');
    const pin = `${NS}/${pinnedWorkflowName('tampered')}`;
    const original = t.api.configMaps.get(pin);
    assert.ok(original);
    const hijacked = JSON.stringify({
      name: 'tampered',
      steps: [
        { name: 'first', command: 'echo 1' },
        { name: 'second', command: 'curl evil' },
      ],
    });
    t.api.configMaps.set(pin, { ...original, data: { 'workflow.json': hijacked } });
    t.ctx.plans.clear();
    t.api.finishJob(NS, jobName('tampered', 'first', 1), 0);
    await t.reconcile('tampered');
    assert.equal(t.condition('tampered', 'Stalled')?.reason, 'PinTampered');
    assert.equal(t.status('tampered').phase, 'Running');
    assert.equal(t.api.jobs.has(`${NS}/${jobName('tampered', 'second', 1)}`), false);
  });

  it('loses a status write to a newer copy of the run with a conflict, and writes nothing', async () => {
    const t = setup();
    t.createRun('raced', oneStep);
    const stale = t.api.run(NS, 'raced');
    t.api.patchRunSpec(NS, 'raced', { parallel: 2 });
    await assert.rejects(reconcileRun(t.ctx, stale), ConflictError);
    assert.equal(t.api.statusWrites, 0);
    // Read again, the run starts (its Job, created before the lost write, is simply found).
    await t.reconcile('raced');
    assert.equal(t.status('raced').phase, 'Running');
    assert.equal(t.api.jobs.size, 1);
  });

  it('owes a Job a quota refused, says why, and creates it under the same name once the quota allows', async () => {
    const t = setup();
    t.createRun('quota', oneStep);
    t.api.refuseJobs = { kind: 'refused', code: 403, message: 'exceeded quota: jobs', retryable: true };
    const outcome = await t.reconcile('quota');
    const job = jobName('quota', 'work', 1);
    assert.deepEqual(t.status('quota').jobsOwed, [job]);
    assert.equal(t.status('quota').phase, 'Running');
    assert.equal(t.condition('quota', 'Reconciling')?.reason, 'QuotaExceeded');
    assert.match(t.condition('quota', 'Reconciling')?.message ?? '', /exceeded quota/);
    assert.equal(outcome.requeueAfterMs, 10_000);
    t.api.refuseJobs = undefined;
    await t.reconcile('quota');
    assert.ok(t.api.jobs.has(`${NS}/${job}`));
    assert.equal(t.status('quota').jobsOwed, undefined);
    assert.equal(t.condition('quota', 'Reconciling')?.reason, 'Progressing');
  });

  it('fails the step of a Job the API server forbids, in the words of the API server', async () => {
    const t = setup();
    t.createRun('forbidden', oneStep);
    t.api.refuseJobs = { kind: 'refused', code: 403, message: 'jobs is forbidden: no', retryable: false };
    await t.reconcile('forbidden');
    const status = t.status('forbidden');
    assert.equal(status.phase, 'Failed');
    assert.equal(status.steps?.work?.phase, 'Failed');
    assert.match(status.steps?.work?.message ?? '', /the API server refused the Job: jobs is forbidden/);
  });

  it('fails a run whose engine state cannot be read, and says to create a new run', async () => {
    const t = setup();
    const run = t.createRun('garbled', oneStep);
    t.api.runs.set(`${NS}/garbled`, {
      ...run,
      status: { phase: 'Running', engine: { schemaVersion: 1, encoding: 'gzip+base64', data: 'not gzip' } },
    });
    await t.reconcile('garbled');
    assert.equal(t.status('garbled').phase, 'Failed');
    assert.equal(t.condition('garbled', 'Stalled')?.reason, 'InvalidStatus');
    assert.match(t.status('garbled').message ?? '', /create a new run/);
    assert.equal(t.api.jobs.size, 0);
  });
});
