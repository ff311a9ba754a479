// Run conditions follow kstatus: in progress is Reconciling, a failure is Stalled, success is Ready;
// transition times move only when a status changes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runConditions } from '../../../src/controller/run-conditions.ts';
import { decodeEngineState, encodeEngineState } from '../../../src/controller/engine-state-codec.ts';

const at = (s: string) => new Date(`2026-11-29T10:00:${s}Z`);
const get = (cs: ReturnType<typeof runConditions>, type: string) => cs.find((c) => c.type === type);

test('a running run is Reconciling and not Ready', () => {
  const cs = runConditions({ phase: 'Running', degraded: false, awaiting: [] }, 3, [], at('00'));
  assert.equal(get(cs, 'Ready')?.status, 'False');
  assert.equal(get(cs, 'Reconciling')?.status, 'True');
  assert.equal(get(cs, 'Stalled')?.status, 'False');
  assert.equal(get(cs, 'Ready')?.observedGeneration, 3);
});

test('a failed run is Stalled with the reason, a succeeded one Ready', () => {
  const failed = runConditions(
    { phase: 'Failed', reason: 'StepFailed', message: 'step x failed', degraded: false, awaiting: [] },
    1,
    [],
    at('00'),
  );
  assert.equal(get(failed, 'Stalled')?.status, 'True');
  assert.equal(get(failed, 'Ready')?.reason, 'StepFailed');
  const ok = runConditions({ phase: 'Succeeded', degraded: true, awaiting: [] }, 1, [], at('00'));
  assert.equal(get(ok, 'Ready')?.status, 'True');
  assert.equal(get(ok, 'Degraded')?.status, 'True');
});

test('waiting for approval names the steps and how to approve', () => {
  const cs = runConditions(
    { phase: 'AwaitingApproval', degraded: false, awaiting: ['switch_traffic'] },
    1,
    [],
    at('00'),
  );
  assert.equal(get(cs, 'AwaitingApproval')?.status, 'True');
  assert.match(get(cs, 'Ready')?.message ?? '', /switch_traffic/);
});

test('lastTransitionTime changes only when the status does', () => {
  const first = runConditions({ phase: 'Running', degraded: false, awaiting: [] }, 1, [], at('00'));
  const again = runConditions({ phase: 'Running', degraded: false, awaiting: [] }, 1, first, at('30'));
  assert.equal(get(again, 'Ready')?.lastTransitionTime, get(first, 'Ready')?.lastTransitionTime);
  const done = runConditions({ phase: 'Succeeded', degraded: false, awaiting: [] }, 1, again, at('45'));
  assert.equal(get(done, 'Ready')?.lastTransitionTime, at('45').toISOString());
});

test('the engine state survives the codec, and a damaged one is a message, not a crash', () => {
  const state = { schemaVersion: 1, runId: 'r', steps: [], phase: 'Running' } as never;
  const decoded = decodeEngineState(encodeEngineState(state));
  assert.ok(decoded.ok);
  for (const bad of [
    undefined,
    {},
    { encoding: 'gzip+base64', data: 'bm90IGd6aXA=', schemaVersion: 1 },
    { encoding: 'gzip+base64', data: 5, schemaVersion: 1 },
    { encoding: 'gzip+base64', data: '', schemaVersion: 99 },
  ]) {
    const r = decodeEngineState(bad);
    assert.equal(r.ok, false);
  }
});
