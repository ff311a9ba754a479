// The operator's notification settings (`conveyor controller --notifications-config FILE`): the
// channels workflows may name (Slack incoming webhooks, generic webhooks, SMTP email) with their
// endpoints and credentials, and how delivery behaves. Workflows only pick channels by name and
// events; endpoints and secrets never come from a workflow. Checked against a JSON Schema with
// located errors, and every file or variable a secret is read from is checked to be there.
import { readFileSync } from 'node:fs';
import { sortDiagnostics } from '../../spec/diagnostics.ts';
import type { Diagnostic } from '../../spec/diagnostics.ts';
import { formatPath } from '../../spec/field-path.ts';
import type { PathSegment } from '../../spec/field-path.ts';
import { parseDuration } from '../../spec/duration.ts';
import { checkWithValidator, sourceLocator } from '../../spec/schema-check.ts';
import { parseSource } from '../../spec/source.ts';
import { suggest } from '../../template/index.ts';
import { describeSecret, processSecrets, resolveSecret } from './secret-value.ts';
import type { SecretSource, SecretValue } from './secret-value.ts';
import { CHANNEL_TYPES } from './config-schema.ts';
import type { ChannelType } from './config-schema.ts';
import {
  validateDocument,
  validateEmail,
  validateSlack,
  validateWebhook,
} from './generated/config-validators.js';

export { CHANNEL_TYPES };
export type { ChannelType };

interface ChannelBase {
  readonly name: string;
  /** Per-attempt time limit. */
  readonly timeoutMs: number;
}

export interface SlackChannelConfig extends ChannelBase {
  readonly type: 'slack';
  /** The incoming-webhook URL (it is the credential: keep it in a Secret). */
  readonly webhookUrl: SecretValue;
}

export interface WebhookChannelConfig extends ChannelBase {
  readonly type: 'webhook';
  readonly url: SecretValue;
  readonly headers: Readonly<Record<string, SecretValue>>;
}

export interface EmailChannelConfig extends ChannelBase {
  readonly type: 'email';
  readonly host: string;
  readonly port: number;
  /** TLS from the start (port 465); otherwise STARTTLS is used when the server offers it. */
  readonly secure: boolean;
  /** Refuse to send without TLS (STARTTLS required). */
  readonly requireTls: boolean;
  /** Check the server's certificate (default true; false only for test servers). */
  readonly verifyCertificate: boolean;
  readonly from: string;
  readonly to: readonly string[];
  readonly username?: SecretValue;
  readonly password?: SecretValue;
}

export type ChannelConfig = SlackChannelConfig | WebhookChannelConfig | EmailChannelConfig;

export interface DeliveryConfig {
  /** Deliveries waiting at most; when full the oldest is dropped (and counted). */
  readonly queueSize: number;
  /** Tries per delivery, the first included. */
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Deliveries in flight per channel; 1 (the default) keeps a channel's messages in order. */
  readonly concurrency: number;
  /** Events older than this when first seen are recorded as handled, not sent (no floods after an upgrade). */
  readonly maxEventAgeMs: number;
  /** How long shutdown waits for the queue to drain. */
  readonly drainTimeoutMs: number;
}

export interface NotificationsConfig {
  readonly channels: ReadonlyMap<string, ChannelConfig>;
  readonly delivery: DeliveryConfig;
  /** Shown in messages as a link to the run, with {namespace} and {run} replaced (optional). */
  readonly runUrlTemplate?: string;
}

export const DEFAULT_DELIVERY: DeliveryConfig = {
  queueSize: 1000,
  maxAttempts: 5,
  initialBackoffMs: 1000,
  maxBackoffMs: 60_000,
  concurrency: 1,
  maxEventAgeMs: 3_600_000,
  drainTimeoutMs: 10_000,
};
export const DEFAULT_TIMEOUT_MS = 10_000;

// Compiled ahead of time from config-schema.ts (scripts/generate-validators.ts).
const byType = { slack: validateSlack, webhook: validateWebhook, email: validateEmail } as const;

export type ConfigResult =
  { ok: true; config: NotificationsConfig } | { ok: false; diagnostics: Diagnostic[] };

/** Parses and checks a config file's text; `secrets` is asked whether each referenced secret is there. */
export function parseNotificationsConfig(text: string, file: string, secrets: SecretSource): ConfigResult {
  const parsed = parseSource(text, file);
  if (!parsed.ok) return { ok: false, diagnostics: parsed.diagnostics };
  const locator = sourceLocator(parsed.source);
  const value = parsed.source.value ?? {};
  const problems = checkWithValidator(validateDocument, locator, file, value);
  if (problems.length > 0) return { ok: false, diagnostics: sortDiagnostics(problems) };
  const raw = value as {
    channels?: Record<string, Record<string, unknown>>;
    delivery?: Record<string, unknown>;
    runUrl?: string;
  };
  const diagnostics: Diagnostic[] = [];
  const at = (path: PathSegment[], message: string, code: string): void => {
    const pos = locator(path, false);
    diagnostics.push({
      severity: 'error',
      code,
      message,
      path: formatPath(path),
      file,
      line: pos?.line,
      column: pos?.column,
    });
  };
  const durationAt = (v: unknown, path: PathSegment[], fallback: number): number => {
    if (v === undefined) return fallback;
    const d = parseDuration(v);
    if (!d.ok) {
      at(path, d.message, 'invalid-duration');
      return fallback;
    }
    return d.ms;
  };
  const d = raw.delivery ?? {};
  const delivery: DeliveryConfig = {
    queueSize: (d.queueSize as number | undefined) ?? DEFAULT_DELIVERY.queueSize,
    maxAttempts: (d.maxAttempts as number | undefined) ?? DEFAULT_DELIVERY.maxAttempts,
    initialBackoffMs: durationAt(
      d.initialBackoff,
      ['delivery', 'initialBackoff'],
      DEFAULT_DELIVERY.initialBackoffMs,
    ),
    maxBackoffMs: durationAt(d.maxBackoff, ['delivery', 'maxBackoff'], DEFAULT_DELIVERY.maxBackoffMs),
    concurrency: (d.concurrency as number | undefined) ?? DEFAULT_DELIVERY.concurrency,
    maxEventAgeMs: durationAt(d.maxEventAge, ['delivery', 'maxEventAge'], DEFAULT_DELIVERY.maxEventAgeMs),
    drainTimeoutMs: durationAt(d.drainTimeout, ['delivery', 'drainTimeout'], DEFAULT_DELIVERY.drainTimeoutMs),
  };
  const channels = new Map<string, ChannelConfig>();
  for (const [name, c] of Object.entries(raw.channels ?? {})) {
    const path: PathSegment[] = ['channels', name];
    const type = (c.type ?? name) as string;
    if (!(CHANNEL_TYPES as readonly string[]).includes(type)) {
      const hint = suggest(type, CHANNEL_TYPES);
      at(
        c.type === undefined ? path : [...path, 'type'],
        c.type === undefined
          ? `channel '${name}' needs a type: one of ${CHANNEL_TYPES.join(', ')}`
          : `unknown channel type '${type}'${hint ? ` (did you mean '${hint}'?)` : ''}; expected one of ${CHANNEL_TYPES.join(', ')}`,
        'unknown-channel-type',
      );
      continue;
    }
    const channelProblems = checkWithValidator(byType[type as ChannelType], locator, file, c, path);
    if (channelProblems.length > 0) {
      diagnostics.push(...channelProblems.map(withoutSecretValues));
      continue;
    }
    const timeoutMs = durationAt(c.timeout, [...path, 'timeout'], DEFAULT_TIMEOUT_MS);
    const channel = toChannel(name, type as ChannelType, c, timeoutMs);
    for (const [secretPath, secret] of secretsOf(channel)) {
      try {
        resolveSecret(secret, secrets);
      } catch (error) {
        at(
          [...path, ...secretPath],
          `${describeSecret(secret)}: ${(error as Error).message}`,
          'secret-unavailable',
        );
      }
    }
    channels.set(name, channel);
  }
  if (diagnostics.length > 0) return { ok: false, diagnostics: sortDiagnostics(diagnostics) };
  return {
    ok: true,
    config: { channels, delivery, ...(raw.runUrl ? { runUrlTemplate: raw.runUrl } : {}) },
  };
}

/** Settings that may hold a credential written inline: a finding about them never repeats the value. */
const SECRET_SETTING = /\.(webhookUrl|url|headers|username|password)(\.|$)/;

function withoutSecretValues(d: Diagnostic): Diagnostic {
  if (!SECRET_SETTING.test(d.path)) return d;
  return {
    ...d,
    message: d.message.replace(/, got .*$/, ', got something else (not shown: it may be a secret)'),
  };
}

function toChannel(
  name: string,
  type: ChannelType,
  c: Record<string, unknown>,
  timeoutMs: number,
): ChannelConfig {
  switch (type) {
    case 'slack':
      return { name, type, timeoutMs, webhookUrl: c.webhookUrl as SecretValue };
    case 'webhook':
      return {
        name,
        type,
        timeoutMs,
        url: c.url as SecretValue,
        headers: (c.headers as Record<string, SecretValue> | undefined) ?? {},
      };
    case 'email': {
      const secure = c.secure === true;
      return {
        name,
        type,
        timeoutMs,
        host: c.host as string,
        port: (c.port as number | undefined) ?? (secure ? 465 : 587),
        secure,
        requireTls: c.requireTLS === true,
        verifyCertificate: c.verifyCertificate !== false,
        from: c.from as string,
        to: typeof c.to === 'string' ? [c.to] : (c.to as string[]),
        ...(c.username !== undefined ? { username: c.username as SecretValue } : {}),
        ...(c.password !== undefined ? { password: c.password as SecretValue } : {}),
      };
    }
  }
}

/** Every secret a channel reads, with its path under the channel. */
function secretsOf(channel: ChannelConfig): [PathSegment[], SecretValue][] {
  switch (channel.type) {
    case 'slack':
      return [[['webhookUrl'], channel.webhookUrl]];
    case 'webhook':
      return [
        [['url'], channel.url],
        ...Object.entries(channel.headers).map(([k, v]): [PathSegment[], SecretValue] => [['headers', k], v]),
      ];
    case 'email':
      return [
        ...(channel.username !== undefined
          ? [[['username'], channel.username] as [PathSegment[], SecretValue]]
          : []),
        ...(channel.password !== undefined
          ? [[['password'], channel.password] as [PathSegment[], SecretValue]]
          : []),
      ];
  }
}

/** Reads and checks the config file; problems come back as located diagnostics, never thrown. */
export function loadNotificationsConfigFile(
  file: string,
  secrets: SecretSource = processSecrets,
): ConfigResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return {
      ok: false,
      diagnostics: [
        {
          severity: 'error',
          code: 'unreadable-file',
          message: `cannot read the notifications config: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
          path: '',
          file,
        },
      ],
    };
  }
  return parseNotificationsConfig(text, file, secrets);
}
