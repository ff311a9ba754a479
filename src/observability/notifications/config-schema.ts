// The JSON Schemas of the operator's notification settings file (config.ts): the document and one
// schema per channel type. scripts/generate-validators.ts compiles them into generated/ at build
// time, so the running program never loads ajv or compiles a schema.
export const CHANNEL_TYPES = ['slack', 'webhook', 'email'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

type Schema = Record<string, unknown>;

const duration: Schema = {
  type: ['string', 'number'],
  description: 'A duration such as "10s", "2m", or a number of seconds.',
};
// Not `oneOf`: its failure lists every branch; a union type keeps the messages to the point
// (object keywords apply to objects only).
const secretValue: Schema = {
  description: 'A value written inline, or read when needed from a file or an environment variable.',
  type: ['string', 'object'],
  additionalProperties: false,
  required: ['valueFrom'],
  properties: {
    valueFrom: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
      properties: {
        file: { type: 'string', minLength: 1, description: 'A file, e.g. a key of a mounted Secret.' },
        env: { type: 'string', minLength: 1, description: 'An environment variable.' },
      },
    },
  },
};
const common: Schema = {
  type: {
    enum: [...CHANNEL_TYPES],
    description: 'Optional when the channel is named slack, webhook or email.',
  },
  timeout: duration,
};

export const channelSchemas: Record<ChannelType, Schema> = {
  slack: {
    type: 'object',
    additionalProperties: false,
    required: ['webhookUrl'],
    properties: { ...common, webhookUrl: secretValue },
  },
  webhook: {
    type: 'object',
    additionalProperties: false,
    required: ['url'],
    properties: {
      ...common,
      url: secretValue,
      headers: { type: 'object', additionalProperties: secretValue },
    },
  },
  email: {
    type: 'object',
    additionalProperties: false,
    required: ['host', 'from', 'to'],
    properties: {
      ...common,
      host: { type: 'string', minLength: 1 },
      port: { type: 'integer', minimum: 1, maximum: 65535 },
      secure: { type: 'boolean' },
      requireTLS: { type: 'boolean' },
      verifyCertificate: { type: 'boolean' },
      from: { type: 'string', minLength: 1 },
      to: { type: ['string', 'array'], minLength: 1, minItems: 1, items: { type: 'string', minLength: 1 } },
      username: secretValue,
      password: secretValue,
    },
  },
};

export const documentSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    channels: {
      type: 'object',
      description: 'Channels by the name workflows use in notifications.channels.',
      additionalProperties: { type: 'object' },
    },
    delivery: {
      type: 'object',
      additionalProperties: false,
      properties: {
        queueSize: { type: 'integer', minimum: 1, maximum: 1_000_000 },
        maxAttempts: { type: 'integer', minimum: 1, maximum: 100 },
        initialBackoff: duration,
        maxBackoff: duration,
        concurrency: { type: 'integer', minimum: 1, maximum: 64 },
        maxEventAge: duration,
        drainTimeout: duration,
      },
    },
    runUrl: { type: 'string', description: 'A link to a run, with {namespace} and {run} placeholders.' },
  },
};
