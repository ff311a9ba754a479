import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RepeatedErrors, stalledByError } from '../../../src/controller/repeated-errors.ts';
import type { Condition } from '../../../src/controller/conditions.ts';
import type { WorkflowRunObject } from '../../../src/controller/resources.ts';

const run = (conditions: Condition[] = []): WorkflowRunObject =>
  ({
    metadata: { name: 'r', namespace: 'n', uid: 'u', generation: 3 },
    status: { phase: 'Running', conditions },
  }) as unknown as WorkflowRunObject;

test('failures are counted in a row per generation, and a success or a new generation starts over', () => {
  const errors = new RepeatedErrors();
  assert.equal(errors.failed('run/n/r', 1), 1);
  assert.equal(errors.failed('run/n/r', 1), 2);
  assert.equal(errors.failed('run/n/r', 2), 1);
  errors.succeeded('run/n/r');
  assert.equal(errors.failed('run/n/r', 2), 1);
});

test('a repeated error becomes Stalled=True with its message, and is not written again for the same error', () => {
  const patch = stalledByError(
    run(),
    new Error('Internal error occurred: failed calling webhook'),
    5,
    new Date(0),
  );
  const conditions = (patch?.conditions ?? []) as Condition[];
  const stalled = conditions.find((c) => c.type === 'Stalled');
  assert.equal(stalled?.status, 'True');
  assert.equal(stalled?.reason, 'ReconcileError');
  assert.match(stalled?.message ?? '', /failed calling webhook/);
  assert.equal(conditions.find((c) => c.type === 'Ready')?.status, 'False');
  assert.equal(
    stalledByError(
      run(conditions),
      new Error('Internal error occurred: failed calling webhook'),
      6,
      new Date(1),
    ),
    undefined,
  );
  assert.notEqual(stalledByError(run(conditions), new Error('another error'), 7, new Date(1)), undefined);
});

test('conditions other than Ready, Stalled and Reconciling are kept as they were', () => {
  const degraded: Condition = {
    type: 'Degraded',
    status: 'True',
    reason: 'FellBack',
    message: 'A step was replaced by its fallback.',
    lastTransitionTime: new Date(0).toISOString(),
  };
  const patch = stalledByError(run([degraded]), new Error('boom'), 5, new Date(1));
  assert.deepEqual(
    ((patch?.conditions ?? []) as Condition[]).find((c) => c.type === 'Degraded'),
    degraded,
  );
});
