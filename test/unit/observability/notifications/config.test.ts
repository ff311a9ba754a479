// The operator's notifications config: what it accepts, and located errors for what it does not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDiagnostic } from '../../../../src/spec/diagnostics.ts';
import { parseNotificationsConfig } from '../../../../src/observability/notifications/config.ts';
import type { SecretSource } from '../../../../src/observability/notifications/secret-value.ts';

const secrets: SecretSource = {
  readFile: (path) => {
    if (path === '/secrets/slack-url') return 'https://hooks.slack.test/T/B/X\n';
    if (path === '/secrets/smtp-password') return 'hunter2';
    throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
  },
  env: (name) => (name === 'HOOK_TOKEN' ? 'Bearer abc' : undefined),
};

function errors(text: string): string[] {
  const result = parseNotificationsConfig(text, 'notifications.yaml', secrets);
  return result.ok ? [] : result.diagnostics.map(formatDiagnostic);
}

describe('the notifications config', () => {
  it('reads channels of every kind, with secrets from files and variables, and delivery settings', () => {
    const result = parseNotificationsConfig(
      `channels:
  slack:
    webhookUrl: { valueFrom: { file: /secrets/slack-url } }
  ops-hook:
    type: webhook
    url: https://hooks.example.test/conveyor
    headers:
      Authorization: { valueFrom: { env: HOOK_TOKEN } }
      X-Team: platform
    timeout: 3s
  email:
    host: smtp.example.test
    from: conveyor@example.test
    to: ops@example.test
    username: conveyor
    password: { valueFrom: { file: /secrets/smtp-password } }
delivery:
  queueSize: 50
  maxAttempts: 3
  initialBackoff: 500ms
  maxEventAge: 2h
runUrl: https://console.example.test/{namespace}/{run}
`,
      'notifications.yaml',
      secrets,
    );
    assert.ok(result.ok, result.ok ? '' : result.diagnostics.map(formatDiagnostic).join('\n'));
    const { channels, delivery } = result.config;
    assert.deepEqual([...channels.keys()], ['slack', 'ops-hook', 'email']);
    assert.equal(channels.get('ops-hook')?.type, 'webhook');
    assert.equal(channels.get('ops-hook')?.timeoutMs, 3000);
    assert.equal(channels.get('slack')?.timeoutMs, 10_000);
    const email = channels.get('email');
    assert.ok(email?.type === 'email');
    assert.deepEqual([email.port, email.secure, email.to], [587, false, ['ops@example.test']]);
    assert.deepEqual(delivery, {
      queueSize: 50,
      maxAttempts: 3,
      initialBackoffMs: 500,
      maxBackoffMs: 60_000,
      concurrency: 1,
      maxEventAgeMs: 7_200_000,
      drainTimeoutMs: 10_000,
    });
    assert.equal(result.config.runUrlTemplate, 'https://console.example.test/{namespace}/{run}');
  });

  it('points at unknown keys with a did-you-mean, and at missing required settings', () => {
    assert.deepEqual(
      errors(`channels:
  slack:
    webhookURL: https://x
  webhook:
    url: https://y
    header: { A: b }
`),
      [
        "notifications.yaml:3:5: channels.slack: missing required key 'webhookUrl'",
        "notifications.yaml:3:5: channels.slack.webhookURL: unknown key 'webhookURL' (did you mean 'webhookUrl'?)",
        "notifications.yaml:6:5: channels.webhook.header: unknown key 'header' (did you mean 'headers'?)",
      ],
    );
  });

  it('needs a type for a channel whose name says none, and knows the types', () => {
    assert.deepEqual(
      errors(`channels:
  pager:
    url: https://x
  chat:
    type: slak
    webhookUrl: https://y
`),
      [
        "notifications.yaml:3:5: channels.pager: channel 'pager' needs a type: one of slack, webhook, email",
        "notifications.yaml:5:11: channels.chat.type: unknown channel type 'slak' (did you mean 'slack'?); expected one of slack, webhook, email",
      ],
    );
  });

  it('says which secret file or variable is missing, without showing any secret', () => {
    assert.deepEqual(
      errors(`channels:
  slack:
    webhookUrl: { valueFrom: { file: /secrets/missing } }
  webhook:
    url: https://y
    headers:
      Authorization: { valueFrom: { env: NOT_SET } }
`),
      [
        'notifications.yaml:3:17: channels.slack.webhookUrl: file /secrets/missing: cannot read /secrets/missing: ENOENT',
        'notifications.yaml:7:22: channels.webhook.headers.Authorization: $NOT_SET: environment variable NOT_SET is not set',
      ],
    );
  });

  it('never repeats a value that may be a secret in a finding about it', () => {
    assert.deepEqual(
      errors(`channels:
  email:
    host: smtp
    from: a@b
    to: c@d
    password: 123456789
`),
      [
        'notifications.yaml:6:15: channels.email.password: expected a string or a mapping, got something else (not shown: it may be a secret)',
      ],
    );
  });

  it('checks types, ranges and durations', () => {
    assert.deepEqual(
      errors(`channels:
  email:
    host: smtp
    port: 70000
    from: a@b
    to: []
delivery:
  queueSize: 0
  maxBackoff: soon
`),
      ['notifications.yaml:8:14: delivery.queueSize: 0 must be >= 1'],
    );
    assert.deepEqual(
      errors(`channels:
  email:
    host: smtp
    port: 70000
    from: a@b
    to: []
delivery:
  maxBackoff: soon
`),
      [
        'notifications.yaml:4:11: channels.email.port: 70000 must be <= 65535',
        'notifications.yaml:6:9: channels.email.to: must NOT have fewer than 1 items',
        'notifications.yaml:8:15: delivery.maxBackoff: invalid duration "soon": expected a number with a unit (ms, s, m, h, d, w) such as "30s", "5m" or "1h30m"',
      ],
    );
  });
});
