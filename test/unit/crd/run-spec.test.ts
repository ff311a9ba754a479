// WorkflowRun.spec: every field but approvals, cancel and rollback is guarded by an immutability rule,
// so a field added later is immutable unless someone decides otherwise.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MUTABLE_RUN_FIELDS, workflowRunSpecSchema } from '../../../src/spec/crd/workflow-run-spec.ts';

const spec = workflowRunSpecSchema();
const rules = spec['x-kubernetes-validations'] ?? [];

test('every spec field except approvals, cancel and rollback has its own immutability rule', () => {
  const guarded = rules.filter((r) => r.rule.includes('oldSelf')).map((r) => r.fieldPath?.slice(1));
  for (const field of Object.keys(spec.properties ?? {})) {
    const mutable = (MUTABLE_RUN_FIELDS as readonly string[]).includes(field);
    if (!mutable) assert.ok(guarded.includes(field), `spec.${field} can change after creation`);
  }
});

test('cancel and rollback can be set but never taken back', () => {
  for (const flag of ['cancel', 'rollback']) {
    const rule = rules.find((r) => r.fieldPath === `.${flag}`);
    assert.match(rule?.rule ?? '', new RegExp(`oldSelf\\.${flag}`));
  }
});

test('a run names exactly one of workflowRef and workflow', () => {
  assert.ok(rules.some((r) => r.rule === 'has(self.workflowRef) != has(self.workflow)'));
});

test('approval maps are bounded, so admission-time CEL cost stays bounded', () => {
  const approvals = spec.properties?.approvals;
  assert.ok(approvals?.maxProperties);
  assert.ok(approvals?.additionalProperties?.maxProperties);
});
