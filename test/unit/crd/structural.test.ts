// The JSON Schema → structural OpenAPI conversion: the rules the API server enforces on a CRD schema,
// and how each JSON Schema construct of the workflow language is carried over.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { schemaNodes, structuralProblems } from '../../../src/spec/crd/check-structural.ts';
import { workflowCrd, workflowRunCrd } from '../../../src/spec/crd/crds.ts';
import type { OpenApiSchema } from '../../../src/spec/crd/openapi.ts';
import { toStructural, type JsonSchema } from '../../../src/spec/crd/structural.ts';
import { isTypedStep, workflowSpecSchema } from '../../../src/spec/crd/workflow-document.ts';
import { workflowSchema } from '../../../src/spec/schema.ts';

const convert = (schema: JsonSchema, defs: Record<string, JsonSchema> = {}, expand = () => true) =>
  toStructural(schema, { defs, expand, cutNote: 'CUT', describe: () => true, terseNote: 'TERSE' });

describe('the generated CRD schemas', () => {
  for (const crd of [workflowCrd(), workflowRunCrd()]) {
    const schema = crd.spec.versions[0]!.schema.openAPIV3Schema;

    test(`${crd.metadata.name} breaks none of the structural-schema rules`, () => {
      assert.deepEqual(structuralProblems(schema), []);
    });

    test(`${crd.metadata.name} has no $ref, no type lists, and a type on every node not left open`, () => {
      for (const [path, node] of schemaNodes(schema)) {
        const raw = node as Record<string, unknown>;
        assert.equal(raw.$ref, undefined, path);
        assert.ok(!Array.isArray(raw.type), `${path} has a type list`);
        const open = node['x-kubernetes-preserve-unknown-fields'] || node['x-kubernetes-int-or-string'];
        assert.ok(node.type !== undefined || open, `${path} has no type`);
      }
    });
  }

  test('Workflow.spec has every top-level key of the language except name and $schema', () => {
    const expected = Object.keys(workflowSchema.properties as object).filter(
      (k) => k !== 'name' && k !== '$schema',
    );
    assert.deepEqual(Object.keys(workflowSpecSchema().properties ?? {}), expected);
    assert.deepEqual(workflowSpecSchema().required, ['steps']);
  });

  test('the first level of steps keeps every field description, for kubectl explain', () => {
    const step = workflowSpecSchema().properties?.steps?.items;
    for (const [name, field] of Object.entries(step?.properties ?? {})) {
      if (name === 'metrics') continue; // no description in the JSON Schema either
      assert.ok(field.description, `steps[].${name} has no description`);
    }
  });
});

describe('converting a JSON Schema node', () => {
  test('a string-or-integer union becomes int-or-string', () => {
    assert.deepEqual(convert({ type: ['string', 'integer'] }), { 'x-kubernetes-int-or-string': true });
  });

  test('a string-or-number union keeps any value and says what it takes in its description', () => {
    assert.deepEqual(convert({ type: ['string', 'number'], description: 'A duration.' }), {
      'x-kubernetes-preserve-unknown-fields': true,
      description: 'A duration. Accepts a string or a number.',
    });
  });

  test('null in a type list becomes nullable', () => {
    const out = convert({ type: ['array', 'null'], items: { type: 'string' } });
    assert.deepEqual(out, { type: 'array', nullable: true, items: { type: 'string' } });
  });

  test('additionalProperties false is dropped, a schema becomes a map, none at all keeps anything', () => {
    assert.deepEqual(
      convert({ type: 'object', additionalProperties: false, properties: { a: { type: 'string' } } }),
      {
        type: 'object',
        properties: { a: { type: 'string' } },
      },
    );
    assert.deepEqual(convert({ type: 'object', additionalProperties: { type: 'string' } }), {
      type: 'object',
      additionalProperties: { type: 'string' },
    });
    assert.deepEqual(convert({ type: 'object' }), {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
  });

  test('an enum without a type gets the type of its values', () => {
    assert.deepEqual(convert({ enum: ['a', 'b'] }), { type: 'string', enum: ['a', 'b'] });
  });

  test('a node with no type at all, and an array without items, accept any value', () => {
    assert.deepEqual(convert({ description: 'x' }), {
      'x-kubernetes-preserve-unknown-fields': true,
      description: 'x',
    });
    assert.deepEqual(convert({ type: 'array' }), {
      type: 'array',
      items: { 'x-kubernetes-preserve-unknown-fields': true },
    });
  });

  test('pattern, bounds and required are kept', () => {
    const schema = {
      type: 'object',
      required: ['n'],
      properties: { n: { type: 'integer', minimum: 1, maximum: 9 } },
    };
    assert.deepEqual(convert(schema), {
      type: 'object',
      properties: { n: { type: 'integer', minimum: 1, maximum: 9 } },
      required: ['n'],
    });
  });

  test('a keyword it does not know is an error, not silently dropped', () => {
    assert.throws(() => convert({ oneOf: [{ type: 'string' }] }), /keyword "oneOf"/);
  });

  test('a recursive $ref is inlined while the policy allows and is an open object below', () => {
    const defs: Record<string, JsonSchema> = {
      node: { type: 'object', properties: { kids: { type: 'array', items: { $ref: '#/$defs/node' } } } },
    };
    const root = { type: 'object', properties: { kids: { type: 'array', items: { $ref: '#/$defs/node' } } } };
    const out = toStructural(root, {
      defs,
      expand: (_ref, via) => via.length <= 2,
      cutNote: 'CUT',
      describe: () => true,
      terseNote: 'TERSE',
    });
    const level = (s: OpenApiSchema | undefined) => s?.properties?.kids?.items;
    assert.equal(level(out)?.type, 'object');
    assert.equal(level(level(out))?.type, 'object');
    assert.deepEqual(level(level(level(out))), {
      type: 'object',
      description: 'CUT',
      'x-kubernetes-preserve-unknown-fields': true,
    });
  });
});

describe('how deep steps are typed', () => {
  test('the main tree is typed four group levels deep', () => {
    assert.ok(isTypedStep(['steps', 'steps', 'steps', 'steps']));
    assert.ok(!isTypedStep(['steps', 'steps', 'steps', 'steps', 'steps']));
  });

  test("a step's hooks are typed one level, in the main tree only", () => {
    assert.ok(isTypedStep(['steps', 'on_failure']));
    assert.ok(isTypedStep(['steps', 'steps', 'steps', 'fallback_steps']));
    assert.ok(!isTypedStep(['steps', 'on_failure', 'steps']));
    assert.ok(!isTypedStep(['on_success', 'on_retry']));
  });

  test('other step lists are typed two group levels deep', () => {
    assert.ok(isTypedStep(['post_execution.success', 'steps']));
    assert.ok(!isTypedStep(['rollback.steps', 'steps', 'steps']));
  });
});
