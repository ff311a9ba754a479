// Checks the rules the API server applies to a CRD schema before it accepts it (a "structural
// schema", https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema),
// so the generator fails at build time rather than at `kubectl apply`.
import type { OpenApiSchema } from './openapi.ts';

const FORBIDDEN = [
  '$ref',
  '$defs',
  'definitions',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'const',
  'if',
  'then',
  'else',
];

export function structuralProblems(root: OpenApiSchema): string[] {
  const problems: string[] = [];
  visit(root, '', problems);
  return problems;
}

function visit(node: OpenApiSchema, path: string, problems: string[]): void {
  const at = path || '(root)';
  const raw = node as Record<string, unknown>;
  for (const key of FORBIDDEN) if (key in raw) problems.push(`${at}: "${key}" is not allowed`);
  if (Array.isArray(raw.type)) problems.push(`${at}: type must be one name, not a list`);
  const opaque =
    node['x-kubernetes-preserve-unknown-fields'] === true || node['x-kubernetes-int-or-string'] === true;
  if (node.type === undefined && !opaque) {
    problems.push(`${at}: a type is required (or x-kubernetes-preserve-unknown-fields / int-or-string)`);
  }
  if (typeof raw.additionalProperties === 'boolean') {
    problems.push(`${at}: additionalProperties must be a schema, not a boolean`);
  }
  if (node.properties && node.additionalProperties) {
    problems.push(`${at}: properties and additionalProperties cannot be used together`);
  }
  if (node.type === 'array' && !node.items) problems.push(`${at}: an array needs items`);
  if (node['x-kubernetes-validations'] && node.type === undefined) {
    problems.push(`${at}: CEL rules need a typed node`);
  }
  if (node['x-kubernetes-list-type'] === 'map') {
    const required = node.items?.required ?? [];
    for (const key of node['x-kubernetes-list-map-keys'] ?? []) {
      if (!required.includes(key)) problems.push(`${at}: list map key "${key}" must be a required field`);
    }
  }
  for (const [name, child] of Object.entries(node.properties ?? {}))
    visit(child, `${path}.${name}`, problems);
  if (node.additionalProperties) visit(node.additionalProperties, `${path}.*`, problems);
  if (node.items) visit(node.items, `${path}[]`, problems);
}

/** Every node of a schema, with its path (for tests and size reports). */
export function* schemaNodes(node: OpenApiSchema, path = ''): Generator<[string, OpenApiSchema]> {
  yield [path || '(root)', node];
  for (const [name, child] of Object.entries(node.properties ?? {}))
    yield* schemaNodes(child, `${path}.${name}`);
  if (node.additionalProperties) yield* schemaNodes(node.additionalProperties, `${path}.*`);
  if (node.items) yield* schemaNodes(node.items, `${path}[]`);
}
