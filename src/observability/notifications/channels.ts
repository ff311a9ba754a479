// The three kinds of channel: a Slack incoming webhook, a generic JSON webhook, and SMTP email
// (nodemailer). Each sends one message within a time limit and says whether a failure is worth
// retrying. Secrets (URLs, headers, passwords) are read at each send and never appear in errors.
import nodemailer from 'nodemailer';
import { raceAbort } from '../../kube/clock.ts';
import type {
  ChannelConfig,
  ChannelType,
  EmailChannelConfig,
  SlackChannelConfig,
  WebhookChannelConfig,
} from './config.ts';
import { emailContent, slackPayload, webhookBody } from './message.ts';
import type { NotificationMessage } from './message.ts';
import { processSecrets, resolveSecret } from './secret-value.ts';
import type { SecretSource } from './secret-value.ts';

export interface Channel {
  readonly name: string;
  readonly type: ChannelType;
  /** Per-attempt time limit. */
  readonly timeoutMs: number;
  /** Resolves when delivered; rejects with a DeliveryError (or any error, taken as retryable). */
  send(message: NotificationMessage, signal: AbortSignal): Promise<void>;
}

/** A failed delivery attempt; `retryable` false for answers that another try cannot change (a 400). */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface ChannelDeps {
  readonly secrets?: SecretSource;
  /** The HTTP client; global fetch by default. */
  readonly fetch?: typeof fetch;
}

export function createChannel(config: ChannelConfig, deps: ChannelDeps = {}): Channel {
  const secrets = deps.secrets ?? processSecrets;
  const http = deps.fetch ?? fetch;
  switch (config.type) {
    case 'slack':
      return slackChannel(config, secrets, http);
    case 'webhook':
      return webhookChannel(config, secrets, http);
    case 'email':
      return emailChannel(config, secrets);
  }
}

function slackChannel(config: SlackChannelConfig, secrets: SecretSource, http: typeof fetch): Channel {
  return {
    name: config.name,
    type: 'slack',
    timeoutMs: config.timeoutMs,
    send: (message, signal) =>
      postJson(
        http,
        readSecret(config.webhookUrl, secrets, 'webhookUrl'),
        {},
        slackPayload(message),
        signal,
        'Slack',
      ),
  };
}

function webhookChannel(config: WebhookChannelConfig, secrets: SecretSource, http: typeof fetch): Channel {
  return {
    name: config.name,
    type: 'webhook',
    timeoutMs: config.timeoutMs,
    send: (message, signal) => {
      const headers: Record<string, string> = {
        'X-Conveyor-Event': message.event,
        // Receivers dedupe with it: delivery is at least once.
        'X-Conveyor-Delivery': message.id,
      };
      for (const [name, value] of Object.entries(config.headers))
        headers[name] = readSecret(value, secrets, `headers.${name}`);
      return postJson(
        http,
        readSecret(config.url, secrets, 'url'),
        headers,
        webhookBody(message),
        signal,
        'webhook',
      );
    },
  };
}

function emailChannel(config: EmailChannelConfig, secrets: SecretSource): Channel {
  return {
    name: config.name,
    type: 'email',
    timeoutMs: config.timeoutMs,
    async send(message, signal) {
      const user =
        config.username === undefined ? undefined : readSecret(config.username, secrets, 'username');
      const pass =
        config.password === undefined ? undefined : readSecret(config.password, secrets, 'password');
      const transport = nodemailer.createTransport({
        host: config.host,
        port: config.port,
        secure: config.secure,
        requireTLS: config.requireTls,
        tls: { rejectUnauthorized: config.verifyCertificate },
        ...(user !== undefined ? { auth: { user, pass } } : {}),
        connectionTimeout: config.timeoutMs,
        greetingTimeout: config.timeoutMs,
        socketTimeout: config.timeoutMs,
      });
      const content = emailContent(message);
      const sending = transport.sendMail({
        from: config.from,
        to: [...config.to],
        subject: content.subject,
        text: content.text,
        headers: { 'X-Conveyor-Event': message.event, 'X-Conveyor-Delivery': message.id },
      });
      try {
        await raceAbort(sending, signal);
      } catch (error) {
        // raceAbort rejects with the signal's reason: the notifier's time limit ran out.
        if (signal.aborted && error === signal.reason) throw new DeliveryError('SMTP: timed out', true);
        if (error instanceof DeliveryError) throw error;
        const e = error as { responseCode?: number; code?: string; message?: string };
        // 5xx answers (no such mailbox, relaying denied, bad credentials) stay that way on a retry.
        const permanent = (e.responseCode !== undefined && e.responseCode >= 500) || e.code === 'EAUTH';
        throw new DeliveryError(
          `SMTP ${config.host}:${config.port}: ${e.code ?? 'error'}${e.responseCode ? ` ${e.responseCode}` : ''}: ${firstLine(e.message)}`,
          !permanent,
          { cause: error },
        );
      } finally {
        transport.close();
      }
    },
  };
}

async function postJson(
  http: typeof fetch,
  url: string,
  headers: Record<string, string>,
  body: unknown,
  signal: AbortSignal,
  what: string,
): Promise<void> {
  let response: Response;
  try {
    response = await http(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'conveyor-controller', ...headers },
      body: JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (signal.aborted) throw new DeliveryError(`${what}: timed out`, true, { cause: error });
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    // The URL is not repeated: for Slack the URL is the credential.
    throw new DeliveryError(`${what}: ${cause?.code ?? firstLine((error as Error).message)}`, true, {
      cause: error,
    });
  }
  // Read the body so the connection can be reused; Slack explains a refusal in it.
  const text = await response.text().catch(() => '');
  if (response.ok) return;
  const retryable = response.status >= 500 || response.status === 429 || response.status === 408;
  throw new DeliveryError(
    `${what}: HTTP ${response.status}${text ? `: ${firstLine(text).slice(0, 200)}` : ''}`,
    retryable,
  );
}

function readSecret(
  value: Parameters<typeof resolveSecret>[0],
  secrets: SecretSource,
  field: string,
): string {
  try {
    return resolveSecret(value, secrets);
  } catch (error) {
    // A missing Secret key may appear once the Secret is fixed: worth retrying.
    throw new DeliveryError(`${field}: ${(error as Error).message}`, true);
  }
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0]?.trim() ?? '';
}
