// The OpenAPI v3 schema dialect of CustomResourceDefinitions (apiextensions.k8s.io/v1 JSONSchemaProps),
// restricted to what the generated CRDs use, and small constructors that keep the schemas short.

/** A CEL rule checked by the API server at admission (`x-kubernetes-validations`). */
export interface CelRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  /** Where the error points, relative to the node carrying the rule (`.workflowRef`). */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

export interface OpenApiSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  description?: string;
  nullable?: boolean;
  /** Applied by the API server where the field is missing (structural schemas only). */
  default?: unknown;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  required?: string[];
  properties?: Record<string, OpenApiSchema>;
  additionalProperties?: OpenApiSchema;
  items?: OpenApiSchema;
  'x-kubernetes-preserve-unknown-fields'?: true;
  'x-kubernetes-int-or-string'?: true;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-validations'?: CelRule[];
}

type Extra = Omit<OpenApiSchema, 'type' | 'properties' | 'items' | 'additionalProperties'>;

export function object(properties: Record<string, OpenApiSchema>, extra: Extra = {}): OpenApiSchema {
  return { type: 'object', ...extra, properties };
}

/** A map with free keys (`additionalProperties`), such as steps by name. */
export function mapOf(values: OpenApiSchema, extra: Extra = {}): OpenApiSchema {
  return { type: 'object', ...extra, additionalProperties: values };
}

export function arrayOf(items: OpenApiSchema, extra: Extra = {}): OpenApiSchema {
  return { type: 'array', ...extra, items };
}

export function string(description?: string, extra: Extra = {}): OpenApiSchema {
  return { type: 'string', ...(description === undefined ? {} : { description }), ...extra };
}

export function integer(description?: string, extra: Extra = {}): OpenApiSchema {
  return { type: 'integer', ...(description === undefined ? {} : { description }), ...extra };
}

export function boolean(description?: string): OpenApiSchema {
  return { type: 'boolean', ...(description === undefined ? {} : { description }) };
}

/** An RFC 3339 time, as metav1.Time serialises. */
export function timestamp(description: string): OpenApiSchema {
  return { type: 'string', format: 'date-time', description };
}

/** Any JSON below this node is kept as it is (no pruning, no checks). */
export function freeObject(description: string): OpenApiSchema {
  return { type: 'object', description, 'x-kubernetes-preserve-unknown-fields': true };
}
