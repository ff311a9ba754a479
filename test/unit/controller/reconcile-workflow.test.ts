// reconcileWorkflow, pure: a Workflow's validity as conditions (their lastTransitionTime kept while
// their status holds), its schedules starting runs, its last finished run's breakers, and the
// finished runs past its history limits; a status that already says it all is not written again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Plan } from '../../../src/engine/types.ts';
import { jobName } from '../../../src/executors/kubernetes/names.ts';
import { reconcileRun } from '../../../src/controller/reconcile-run.ts';
import { reconcileWorkflow } from '../../../src/controller/reconcile-workflow.ts';
import type { WorkflowObject, WorkflowRunObject } from '../../../src/controller/resources.ts';
import { MemoryRunApi, mergePatch } from './support/memory-run-api.ts';

const NS = 'team-a';
const T0 = Date.parse('2030-01-01T00:00:30Z');

interface Condition {
  type: string;
  status: string;
  reason: string;
  lastTransitionTime: string;
}

function workflowObject(spec: Record<string, unknown>, generation = 1): WorkflowObject {
  return { metadata: { name: 'deploy', namespace: NS, uid: 'wf-uid', generation }, spec };
}

/** The Workflow after its status patch was written, as the API server merges it. */
function written(workflow: WorkflowObject, patch: Record<string, unknown> | undefined): WorkflowObject {
  return patch
    ? { ...workflow, status: mergePatch(workflow.status ?? {}, patch) as Record<string, unknown> }
    : workflow;
}

const condition = (status: Record<string, unknown> | undefined, type: string): Condition | undefined =>
  (status?.conditions as Condition[] | undefined)?.find((c) => c.type === type);

/** Runs of `deploy` taken to their end by reconcileRun against the in-memory API. */
async function finishedRuns(outcomes: [string, number][]): Promise<WorkflowRunObject[]> {
  const api = new MemoryRunApi();
  api.addWorkflow(NS, 'deploy', { steps: [{ name: 'work', command: 'true' }] });
  let now = T0;
  const ctx = { api, now: () => now, jobDefaults: { image: 'busybox' }, plans: new Map<string, Plan>() };
  for (const [name, exitCode] of outcomes) {
    api.addRun(NS, name, { workflowRef: { name: 'deploy' } });
    await reconcileRun(ctx, api.run(NS, name));
    now += 1000;
    api.finishJob(NS, jobName(name, 'work', 1), exitCode);
    await reconcileRun(ctx, api.run(NS, name));
    now += 1000;
  }
  return [...api.runs.values()];
}

describe('reconcileWorkflow', () => {
  it('says a valid workflow is Ready, and writes nothing more while that holds', () => {
    const wf = workflowObject({ steps: [{ name: 'work', command: 'true' }] });
    const first = reconcileWorkflow(wf, [], T0, '');
    assert.equal(condition(first.status, 'Ready')?.status, 'True');
    assert.equal(condition(first.status, 'Stalled')?.status, 'False');
    assert.equal(reconcileWorkflow(written(wf, first.status), [], T0 + 5000, '').status, undefined);
  });

  it('says what is wrong with an invalid workflow, and moves lastTransitionTime only when a status flips', () => {
    const valid = workflowObject({ steps: [{ name: 'work', command: 'true' }] });
    const before = written(valid, reconcileWorkflow(valid, [], T0, '').status);
    const broken = {
      ...before,
      metadata: { ...before.metadata, generation: 2 },
      spec: { steps: [{ name: 'work', depend_on: ['x'], command: 'true' }] },
    };
    const result = reconcileWorkflow(broken, [], T0 + 60_000, '');
    const ready = condition(result.status, 'Ready');
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'InvalidWorkflow');
    assert.match(JSON.stringify(result.status?.conditions), /depend_on/);
    assert.equal(ready?.lastTransitionTime, new Date(T0 + 60_000).toISOString());
    // Reconciling stays False throughout: its time is the first one.
    assert.equal(condition(result.status, 'Reconciling')?.lastTransitionTime, new Date(T0).toISOString());
  });

  it('starts the run of a due fire time once, with an Event, and wakes at the next one', () => {
    const wf = workflowObject({
      steps: [{ name: 'work', command: 'true' }],
      schedules: [{ name: 'minutely', cron: '* * * * *' }],
    });
    const first = reconcileWorkflow(wf, [], T0, 'controller');
    assert.deepEqual(first.create, [], 'a fire time before the schedule was seen is not run');
    assert.equal(first.wakeAt, Date.parse('2030-01-01T00:01:00Z'));
    const due = reconcileWorkflow(written(wf, first.status), [], T0 + 31_000, 'controller');
    assert.equal(due.create.length, 1);
    assert.equal(due.events[0]?.reason, 'ScheduledRun');
    const schedules = due.status?.schedules as { lastRun?: { phase?: string } }[];
    assert.equal(schedules[0]?.lastRun?.phase, 'Pending');
  });

  it('records the last finished run and its breakers once, under the Workflow', async () => {
    const wf = workflowObject({ steps: [{ name: 'work', command: 'true' }] });
    const runs = await finishedRuns([
      ['deploy-1', 0],
      ['deploy-2', 1],
    ]);
    const result = reconcileWorkflow(wf, runs, T0 + 10_000, '');
    assert.deepEqual(
      { ...(result.status?.lastRun as object), startedAt: undefined, finishedAt: undefined },
      { name: 'deploy-2', phase: 'Failed', startedAt: undefined, finishedAt: undefined },
    );
    assert.ok(result.status?.breakers !== undefined);
    assert.equal(reconcileWorkflow(written(wf, result.status), runs, T0 + 11_000, '').status, undefined);
  });

  it('prunes the oldest finished runs past the history limits', async () => {
    const wf = workflowObject({
      steps: [{ name: 'work', command: 'true' }],
      history: { successful_runs: 1, failed_runs: 1 },
    });
    const runs = await finishedRuns([
      ['deploy-1', 0],
      ['deploy-2', 1],
      ['deploy-3', 0],
      ['deploy-4', 1],
    ]);
    assert.deepEqual([...reconcileWorkflow(wf, runs, T0 + 20_000, '').prune].sort(), [
      'deploy-1',
      'deploy-2',
    ]);
  });
});
