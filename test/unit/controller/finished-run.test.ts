// A settled run (finished, its status answering its current spec) is not reconciled again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSettledRun, settledRunView } from '../../../src/controller/finished-run.ts';
import { reconcileRun } from '../../../src/controller/reconcile-run.ts';
import type { RunApi } from '../../../src/controller/run-api.ts';
import type { WorkflowRunObject } from '../../../src/controller/resources.ts';

function run(
  phase: string,
  {
    generation = 1,
    observed = 1,
    rollback,
  }: { generation?: number; observed?: number; rollback?: boolean } = {},
): WorkflowRunObject {
  return {
    metadata: { name: 'r', namespace: 'ns', uid: 'u', generation },
    spec: { workflowRef: { name: 'w' }, ...(rollback !== undefined ? { rollback } : {}) },
    status: { phase, observedGeneration: observed, pinnedWorkflow: 'r-pinned', engine: {} },
  } as WorkflowRunObject;
}

/** A RunApi on which every call is a failure of the test: a settled run must need none. */
const untouchable = new Proxy({} as RunApi, {
  get: (_target, name) => () => assert.fail(`a settled run called RunApi.${String(name)}`),
});

describe('settled runs', () => {
  it('are the finished runs whose status observed their current generation', () => {
    for (const phase of ['Succeeded', 'Failed', 'Cancelled']) assert.equal(isSettledRun(run(phase)), true);
    for (const phase of ['Pending', 'Running', 'AwaitingApproval'])
      assert.equal(isSettledRun(run(phase)), false);
    assert.equal(isSettledRun({ ...run('Succeeded'), status: undefined }), false);
  });

  it('are not settled once their spec changed (an approval, a cancel) or while a rollback is asked for', () => {
    assert.equal(isSettledRun(run('Failed', { generation: 2, observed: 1 })), false);
    assert.equal(isSettledRun(run('Failed', { rollback: true })), false);
    assert.equal(isSettledRun(run('Failed', { rollback: false })), true);
  });

  it('are reconciled without a single API call: no plan loaded, no status written', async () => {
    const outcome = await reconcileRun(
      { api: untouchable, now: () => 0, jobDefaults: {} as never, plans: new Map() },
      run('Succeeded'),
    );
    assert.deepEqual(outcome, { actions: [] });
  });

  it('are cached without their step entries, conditions and outputs, keeping what resumeFrom and schedules read', () => {
    const full = run('Failed');
    const status = {
      ...full.status,
      finishedAt: '2026-12-06T00:00:00Z',
      steps: { a: { phase: 'Failed' } },
      conditions: [{ type: 'Ready', status: 'False' }],
      outputs: { x: '1' },
      progress: { done: 1, total: 1 },
    };
    assert.deepEqual(settledRunView({ ...full, status }).status, {
      phase: 'Failed',
      observedGeneration: 1,
      pinnedWorkflow: 'r-pinned',
      engine: {},
      finishedAt: '2026-12-06T00:00:00Z',
    });
    const running = { ...full, status: { ...status, phase: 'Running' } };
    assert.equal(settledRunView(running), running);
    const rollingBack = { ...full, spec: { ...full.spec, rollback: true }, status };
    assert.equal(settledRunView(rollingBack), rollingBack);
  });
});
