// reconcileRun against an in-memory RunApi (ours, not a mock of Kubernetes): a run starts, pins its
// workflow, runs its steps as Jobs, waits for approval, finishes, and every way it can be stopped
// (pin missing or tampered, a lost write, a Job refused, an unreadable engine state) ends as it should.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jobName, pinnedWorkflowName } from '../../../src/executors/kubernetes/names.ts';
import type { Plan } from '../../../src/engine/types.ts';
import { reconcileRun } from '../../../src/controller/reconcile-run.ts';
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
});
