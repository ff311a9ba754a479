import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusMergePatch } from '../../../src/controller/status-merge-patch.ts';

test('a key the new status lacks becomes null, so the merge patch removes it', () => {
  const patch = statusMergePatch(
    { phase: 'Pending', reason: 'WorkflowNotFound', message: 'Workflow w does not exist' },
    { phase: 'Succeeded' },
  );
  assert.deepEqual(patch, { phase: 'Succeeded', reason: null, message: null });
});

test('nested objects are cleared key by key and arrays are replaced whole', () => {
  const patch = statusMergePatch(
    {
      steps: { a: { phase: 'Failed', reason: 'ExitCode' }, gone: { phase: 'Pending' } },
      conditions: [{ type: 'A' }],
    },
    { steps: { a: { phase: 'Pending' } }, conditions: [] },
  );
  assert.deepEqual(patch, { steps: { a: { phase: 'Pending', reason: null }, gone: null }, conditions: [] });
});

test('undefined values in the new status are neither written nor kept', () => {
  assert.deepEqual(statusMergePatch({ a: 1 }, { a: undefined, b: 2 }), { a: null, b: 2 });
  assert.deepEqual(statusMergePatch(undefined, { b: 2 }), { b: 2 });
});
