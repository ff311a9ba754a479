// A rough stand-in for the API server's checks of a custom resource, for unit tests: turns a CRD's
// structural schema into a JSON Schema for ajv, with unknown fields refused as under kubectl's strict
// field validation. CEL rules are not evaluated (test/cluster/crds.test.ts covers them for real).
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import type { OpenApiSchema } from '../../../src/spec/crd/openapi.ts';

type Json = Record<string, unknown>;

function toJsonSchema(node: OpenApiSchema): Json {
  if (node['x-kubernetes-int-or-string']) return { type: ['integer', 'string'] };
  if (node.type === undefined) return {}; // preserve-unknown-fields without a type: any value
  const out: Json = { type: node.nullable ? [node.type, 'null'] : node.type };
  for (const key of [
    'enum',
    'pattern',
    'minimum',
    'maximum',
    'minLength',
    'maxLength',
    'minItems',
    'maxItems',
  ] as const) {
    if (node[key] !== undefined) out[key] = node[key];
  }
  if (node.enum && node.nullable) out.enum = [...node.enum, null];
  if (node.items) out.items = toJsonSchema(node.items);
  if (node.required) out.required = node.required;
  if (node.properties) {
    out.properties = Object.fromEntries(
      Object.entries(node.properties).map(([k, v]) => [k, toJsonSchema(v)]),
    );
    if (!node['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  }
  if (node.additionalProperties) out.additionalProperties = toJsonSchema(node.additionalProperties);
  return out;
}

export function compileOpenApi(schema: OpenApiSchema): ValidateFunction {
  return new Ajv({ allErrors: true, strict: false }).compile(toJsonSchema(schema));
}
