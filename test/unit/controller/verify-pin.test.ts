import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pinDigest, verifyPin } from '../../../src/controller/verify-pin.ts';

const run = { name: 'r', uid: 'uid-r' };
const text = '{"steps":[]}';
const pin = (uid: string | undefined, content = text) => ({
  metadata: { name: 'r-workflow', ownerReferences: uid ? [{ uid, controller: true }] : [] },
  data: { 'workflow.json': content },
});

test('a pin owned by the run with the recorded digest is trusted', () => {
  assert.deepEqual(verifyPin(pin('uid-r'), run, 'r-workflow', 'workflow.json', pinDigest(text)), {
    ok: true,
    text,
  });
});

test('a pin with other content than the recorded digest is tampered, even with a copied owner', () => {
  const checked = verifyPin(
    pin('uid-r', '{"steps":[1]}'),
    run,
    'r-workflow',
    'workflow.json',
    pinDigest(text),
  );
  assert.equal(checked.ok ? 'ok' : checked.reason, 'PinTampered');
});

test('a pin not owned by the run is tampered, and a missing one is unavailable', () => {
  const other = verifyPin(pin('uid-other'), run, 'r-workflow', 'workflow.json', pinDigest(text));
  assert.equal(other.ok ? 'ok' : other.reason, 'PinTampered');
  const missing = verifyPin(undefined, run, 'r-workflow', 'workflow.json', pinDigest(text));
  assert.equal(missing.ok ? 'ok' : missing.reason, 'PinnedWorkflowUnavailable');
});
