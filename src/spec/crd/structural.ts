// Converts the workflow language's JSON Schema (draft 2020-12) into a structural OpenAPI v3 schema,
// the only kind a CRD may carry: every node typed, no `$ref`, no type unions, no `additionalProperties:
// false`. Recursive `$ref`s are inlined as far as a depth policy allows and become opaque objects below.
import type { OpenApiSchema } from './openapi.ts';

export type JsonSchema = Readonly<Record<string, unknown>>;

export interface StructuralOptions {
  /** The `$defs` that `$ref: '#/$defs/NAME'` points into. */
  readonly defs: Readonly<Record<string, JsonSchema>>;
  /**
   * Whether to inline the reference met now. `via` lists, outermost first, the property path through
   * which each enclosing inlined reference was reached, counted from the reference before it, and ends
   * with the current one: `['steps', 'steps', 'on_failure']`, `['post_execution.success']`.
   */
  readonly expand: (ref: string, via: readonly string[]) => boolean;
  /** Added to the description of a reference that is not inlined, to say who checks below it. */
  readonly cutNote: string;
  /**
   * Whether an inlined reference keeps the descriptions of its fields (they are most of a copy's
   * weight); without them, `terseNote` is added to its own description to say where they are.
   */
  readonly describe: (via: readonly string[]) => boolean;
  readonly terseNote: string;
}

/** Keywords the converter understands; any other one is a bug to fix here, not to drop silently. */
const KNOWN_KEYWORDS = new Set([
  '$schema',
  '$id',
  '$defs',
  '$ref',
  'title',
  'description',
  'type',
  'properties',
  'additionalProperties',
  'required',
  'items',
  'enum',
  'pattern',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
]);

/** Validation keywords that mean the same in both dialects and are copied as they are. */
const COPIED = [
  'description',
  'enum',
  'pattern',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
];

interface Walk {
  readonly options: StructuralOptions;
  /** Where we are, for error messages (`properties.steps.items`). */
  readonly trail: readonly string[];
  /** The property paths through which the enclosing inlined references were reached. */
  readonly via: readonly string[];
  /** The length of `trail` when the innermost reference was inlined. */
  readonly refAt: number;
  /** False below an inlined reference whose field descriptions are left out. */
  readonly describe: boolean;
}

export function toStructural(schema: JsonSchema, options: StructuralOptions): OpenApiSchema {
  return convert(schema, { options, trail: [], via: [], refAt: 0, describe: true });
}

function convert(node: JsonSchema, walk: Walk): OpenApiSchema {
  for (const key of Object.keys(node)) {
    if (!KNOWN_KEYWORDS.has(key)) {
      throw new Error(`cannot convert JSON Schema keyword "${key}" at ${walk.trail.join('.') || '(root)'}`);
    }
  }
  if (typeof node.$ref === 'string') return convertRef(node, node.$ref, walk);

  const out: OpenApiSchema = {};
  const { types, nullable } = typesOf(node);
  if (types.length === 1) out.type = types[0] as OpenApiSchema['type'];
  else if (types.length === 2 && types.includes('string') && types.includes('integer')) {
    out['x-kubernetes-int-or-string'] = true;
  } else {
    // No single type (any value, or a union such as string|number that has no structural form):
    // keep the value untouched and leave the type check to the controller's JSON Schema validation.
    // int-or-string would refuse `cpu: 0.5`, which `conveyor validate` accepts, and CEL rules cannot
    // be attached to an untyped node (the API server refuses the CRD), so nothing stricter is possible.
    out['x-kubernetes-preserve-unknown-fields'] = true;
  }
  if (nullable) out.nullable = true;
  for (const key of COPIED) {
    if (key === 'description' && !walk.describe) continue;
    if (node[key] !== undefined) (out as Record<string, unknown>)[key] = node[key];
  }
  // `kubectl explain` shows an untyped node as <Object>: say what it really takes.
  if (types.length > 1 && out.description !== undefined && !out['x-kubernetes-int-or-string']) {
    const named = types.map((t) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`));
    out.description = `${out.description} Accepts ${named.join(' or ')}.`;
  }

  if (out.type === 'object') convertObject(node, out, walk);
  if (out.type === 'array') {
    out.items = isSchema(node.items)
      ? convert(node.items, step(walk, 'items'))
      : { 'x-kubernetes-preserve-unknown-fields': true };
  }
  return out;
}

function convertObject(node: JsonSchema, out: OpenApiSchema, walk: Walk): void {
  const properties = isSchema(node.properties) ? (node.properties as Record<string, JsonSchema>) : undefined;
  const additional = node.additionalProperties;
  if (properties) {
    out.properties = {};
    for (const [name, child] of Object.entries(properties)) {
      out.properties[name] = convert(child, step(walk, 'properties', name));
    }
    const required = Array.isArray(node.required) ? (node.required as string[]) : [];
    if (required.length > 0) out.required = [...required];
  }
  // `additionalProperties: false` has no structural equivalent: unknown fields are pruned. They are
  // refused outright by server-side apply (always) and under strict field validation, kubectl's
  // default for create, replace, patch and client-side apply; other API clients must ask for
  // `fieldValidation=Strict`, as the server's default is Warn (warn, then prune).
  if (isSchema(additional))
    out.additionalProperties = convert(additional, step(walk, 'additionalProperties'));
  else if (!properties && additional !== false) out['x-kubernetes-preserve-unknown-fields'] = true;
}

function convertRef(node: JsonSchema, ref: string, walk: Walk): OpenApiSchema {
  const name = /^#\/\$defs\/([^/]+)$/.exec(ref)?.[1];
  const target = name === undefined ? undefined : walk.options.defs[name];
  if (!target) throw new Error(`cannot resolve $ref "${ref}" at ${walk.trail.join('.')}`);
  const siblings = Object.fromEntries(Object.entries(node).filter(([key]) => key !== '$ref'));
  const resolved: JsonSchema = { ...target, ...siblings };
  const via = [...walk.via, propertyPath(walk.trail.slice(walk.refAt))];
  const description = typeof resolved.description === 'string' ? `${resolved.description} ` : '';
  if (walk.options.expand(ref, via)) {
    const describe = walk.describe && walk.options.describe(via);
    const out = convert(resolved, { ...walk, via, refAt: walk.trail.length, describe });
    if (!describe) out.description = `${description}${walk.options.terseNote}`;
    return out;
  }
  return {
    type: 'object',
    description: `${description}${walk.options.cutNote}`,
    'x-kubernetes-preserve-unknown-fields': true,
  };
}

/** The JSON Schema types a node admits, `null` split off as OpenAPI's `nullable`. */
function typesOf(node: JsonSchema): { types: string[]; nullable: boolean } {
  let types: string[];
  if (typeof node.type === 'string') types = [node.type];
  else if (Array.isArray(node.type)) types = node.type as string[];
  else if (Array.isArray(node.enum)) types = [...new Set(node.enum.map(jsonType))];
  else if (node.properties !== undefined || node.additionalProperties !== undefined) types = ['object'];
  else if (node.items !== undefined) types = ['array'];
  else types = [];
  return { types: types.filter((t) => t !== 'null'), nullable: types.includes('null') };
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function step(walk: Walk, ...segments: string[]): Walk {
  return { ...walk, trail: [...walk.trail, ...segments] };
}

/** The property names along a trail: `post_execution.success` for `properties.post_execution.properties.success.items`. */
function propertyPath(trail: readonly string[]): string {
  const names: string[] = [];
  for (let i = 1; i < trail.length; i++) if (trail[i - 1] === 'properties') names.push(trail[i] as string);
  return names.join('.');
}
