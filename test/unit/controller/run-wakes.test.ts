// Which Job and pod changes wake a run's reconcile.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { jobChangeMatters, podChangeMatters } from '../../../src/controller/run-wakes.ts';

type Obj = KubernetesObject & { status?: Record<string, unknown> };
const updated = (old: Obj, object: Obj) => ({ type: 'updated' as const, old, object });
const DELETED_AT = new Date('2026-12-06T00:00:00Z');

function pod(status: Record<string, unknown>, meta: Record<string, unknown> = {}): Obj {
  return { metadata: { name: 'r-a-1-x', namespace: 'ns', ...meta }, status };
}
const step = (state: Record<string, unknown>) => ({ containerStatuses: [{ name: 'step', state }] });

function job(conditions: Record<string, unknown>[], extra: Record<string, unknown> = {}): Obj {
  return { metadata: { name: 'r-a-1', namespace: 'ns' }, status: { conditions, ...extra } };
}

describe('run wakes', () => {
  it("does not wake a run for a pod's binding, start or finalizer removal", () => {
    const pending = pod({ phase: 'Pending' });
    const scheduled = pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] });
    const creating = pod({ phase: 'Pending', ...step({ waiting: { reason: 'ContainerCreating' } }) });
    const running = pod({ phase: 'Running', ...step({ running: {} }) });
    assert.equal(podChangeMatters(updated(pending, scheduled)), false);
    assert.equal(podChangeMatters(updated(scheduled, creating)), false);
    assert.equal(podChangeMatters(updated(creating, running)), false);
    const done = pod({ phase: 'Succeeded', ...step({ terminated: { exitCode: 0 } }) });
    const finalized = pod(
      { phase: 'Succeeded', ...step({ terminated: { exitCode: 0 } }) },
      { finalizers: [] },
    );
    assert.equal(podChangeMatters(updated(done, finalized)), false);
  });

  it('wakes a run when a pod appears, ends, cannot pull its image, cannot be scheduled or is deleted', () => {
    const running = pod({ phase: 'Running', ...step({ running: {} }) });
    assert.equal(podChangeMatters({ type: 'added', object: running }), true);
    assert.equal(podChangeMatters({ type: 'deleted', object: running }), true);
    const failed = pod({ phase: 'Failed', ...step({ terminated: { exitCode: 3 } }) });
    assert.equal(podChangeMatters(updated(running, failed)), true);
    const pulling = pod({
      phase: 'Pending',
      ...step({ waiting: { reason: 'ImagePullBackOff', message: 'no' } }),
    });
    assert.equal(podChangeMatters(updated(pod({ phase: 'Pending' }), pulling)), true);
    assert.equal(podChangeMatters(updated(pulling, running)), true);
    const unschedulable = pod({
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/2 nodes' }],
    });
    assert.equal(podChangeMatters(updated(pod({ phase: 'Pending' }), unschedulable)), true);
    const deleting = pod({ phase: 'Running', ...step({ running: {} }) }, { deletionTimestamp: DELETED_AT });
    assert.equal(podChangeMatters(updated(running, deleting)), true);
  });

  it("does not wake a run for a Job's counts, and wakes it for its conditions, its deletion, its appearance", () => {
    const fresh = job([]);
    const active = job([], { active: 1, startTime: '2026-12-06T00:00:00Z', ready: 1 });
    assert.equal(jobChangeMatters(updated(fresh, active)), false);
    const target = job([{ type: 'FailureTarget', status: 'True', reason: 'DeadlineExceeded' }], {
      active: 1,
    });
    assert.equal(jobChangeMatters(updated(active, target)), true);
    const complete = job([{ type: 'Complete', status: 'True' }], { succeeded: 1 });
    assert.equal(jobChangeMatters(updated(active, complete)), true);
    assert.equal(jobChangeMatters({ type: 'added', object: fresh }), true);
    assert.equal(jobChangeMatters({ type: 'deleted', object: complete }), true);
    const deleting = {
      ...complete,
      metadata: { ...complete.metadata, deletionTimestamp: DELETED_AT },
    };
    assert.equal(jobChangeMatters(updated(complete, deleting)), true);
  });
});
