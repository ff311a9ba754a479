// crds/approval-policy.yaml reads fields the CRDs define and the annotation the CLI writes, so that a
// rename on one side cannot silently disable the policy (its behaviour is tested on a real API server
// in test/cluster/crds.test.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { workflowRunCrd } from '../../../src/spec/crd/crds.ts';
import { CREATED_BY_ANNOTATION } from '../../../src/spec/crd/resources.ts';

interface PolicyDocument {
  kind: string;
  metadata: { name: string };
  spec: {
    policyName?: string;
    validationActions?: string[];
    matchConstraints?: {
      resourceRules: { apiGroups: string[]; resources: string[]; operations: string[] }[];
    };
    variables?: { name: string; expression: string }[];
    validations?: { expression: string; messageExpression?: string }[];
  };
}

const text = readFileSync(new URL('../../../crds/approval-policy.yaml', import.meta.url), 'utf8');
const [policy, binding] = parseAllDocuments(text).map((d) => d.toJS() as PolicyDocument);
const expressions = [
  ...(policy?.spec.variables ?? []).map((v) => v.expression),
  ...(policy?.spec.validations ?? []).flatMap((v) => [v.expression, v.messageExpression ?? '']),
].join('\n');

test('the policy matches workflowruns on create and update, and not their status subresource', () => {
  assert.equal(policy?.kind, 'ValidatingAdmissionPolicy');
  const rules = policy?.spec.matchConstraints?.resourceRules ?? [];
  assert.deepEqual(
    rules.map((r) => r.resources),
    [['workflowruns']],
  );
  assert.deepEqual(rules[0]?.operations, ['CREATE', 'UPDATE']);
  assert.deepEqual(rules[0]?.apiGroups, ['conveyor.dev']);
});

test('the binding denies (not just warns or audits)', () => {
  assert.equal(binding?.kind, 'ValidatingAdmissionPolicyBinding');
  assert.equal(binding?.spec.policyName, policy?.metadata.name);
  assert.deepEqual(binding?.spec.validationActions, ['Deny']);
});

test('the policy checks the creator annotation the CLI writes', () => {
  assert.ok(expressions.includes(`'${CREATED_BY_ANNOTATION}'`));
});

test('every status field the policy reads exists in the WorkflowRun CRD', () => {
  const root = workflowRunCrd().spec.versions[0]!.schema.openAPIV3Schema;
  const request = root.properties?.status?.properties?.approvals?.additionalProperties?.properties ?? {};
  for (const field of new Set(
    [...expressions.matchAll(/variables\.requests\[[^\]]+\]\.(\w+)/g)].map((m) => m[1]!),
  )) {
    assert.ok(field in request, `status.approvals[*].${field} is not in the CRD`);
  }
  const decision = root.properties?.spec?.properties?.approvals?.additionalProperties?.additionalProperties;
  assert.ok(decision?.properties?.decision, 'spec.approvals[*][*].decision is not in the CRD');
});
