// Every seed workflow, wrapped as a Workflow, fits the generated CRD schema (checked with ajv as a
// rough stand-in for the API server), and typical mistakes do not.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { workflowCrd, workflowRunCrd } from '../../../src/spec/crd/crds.ts';
import { workflowResource } from '../../../src/spec/crd/resources.ts';
import { compileOpenApi } from './openapi-validator.ts';

const examples = new URL('../../../examples/', import.meta.url);
const seeds = readdirSync(examples).filter((f) => f.endsWith('.yaml'));
const validateWorkflow = compileOpenApi(workflowCrd().spec.versions[0]!.schema.openAPIV3Schema);
const validateRun = compileOpenApi(workflowRunCrd().spec.versions[0]!.schema.openAPIV3Schema);

function seedDocument(file: string): Record<string, unknown> {
  return parse(readFileSync(new URL(file, examples), 'utf8')) as Record<string, unknown>;
}

function wrap(document: Record<string, unknown>) {
  const wrapped = workflowResource(document);
  assert.ok(wrapped.ok, wrapped.ok ? '' : wrapped.message);
  return wrapped.resource;
}

test('there are seed workflows to check', () => {
  assert.ok(seeds.length >= 10, `only ${seeds.length} under examples/`);
});

for (const file of seeds) {
  test(`the seed ${file} wrapped as a Workflow fits the CRD schema`, () => {
    const ok = validateWorkflow(wrap(seedDocument(file)));
    assert.ok(ok, JSON.stringify(validateWorkflow.errors, null, 2));
  });

  test(`the seed ${file} fits inline in a WorkflowRun, name included`, () => {
    const run = {
      apiVersion: 'conveyor.dev/v1alpha1',
      kind: 'WorkflowRun',
      metadata: {},
      spec: { workflow: seedDocument(file) },
    };
    assert.ok(validateRun(run), JSON.stringify(validateRun.errors, null, 2));
  });
}

test('an unknown key in a step is refused', () => {
  const resource = wrap({ name: 'typo', steps: [{ name: 'a', command: 'true', depend_on: ['b'] }] });
  assert.equal(validateWorkflow(resource), false);
  assert.ok(validateWorkflow.errors?.some((e) => e.params.additionalProperty === 'depend_on'));
});

test('a wrong type and a value outside an enum are refused', () => {
  const resource = wrap({
    name: 'types',
    steps: [{ name: 'a', retry: { attempts: 'three', backoff: 'quadratic' } }],
  });
  assert.equal(validateWorkflow(resource), false);
  const paths = validateWorkflow.errors?.map((e) => e.instancePath) ?? [];
  assert.ok(paths.includes('/spec/steps/0/retry/attempts'), paths.join(' '));
  assert.ok(paths.includes('/spec/steps/0/retry/backoff'), paths.join(' '));
});

test('spec.name is refused: metadata.name is the name of a Workflow', () => {
  const resource = { ...wrap({ name: 'named', steps: [] }), spec: { name: 'other', steps: [] } };
  assert.equal(validateWorkflow(resource), false);
});

test('a workflow name that cannot be an object name is reported, not rewritten', () => {
  const wrapped = workflowResource({ name: 'Deploy_API', steps: [] });
  assert.equal(wrapped.ok, false);
});
