// Delivery to real local receivers: the Slack incoming-webhook and generic webhook formats over
// HTTP, email over SMTP (parsed back with mailparser), retries after a 503, and a channel whose
// port refuses connections neither blocks nor fails anything.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createLogger } from '../../../../src/observability/logger.ts';
import { createChannel, DeliveryError } from '../../../../src/observability/notifications/channels.ts';
import { parseNotificationsConfig } from '../../../../src/observability/notifications/config.ts';
import type { ChannelConfig } from '../../../../src/observability/notifications/config.ts';
import { approvalCommands } from '../../../../src/observability/notifications/message.ts';
import type { NotificationMessage } from '../../../../src/observability/notifications/message.ts';
import { createNotificationMetrics } from '../../../../src/observability/notifications/metrics.ts';
import { Notifier } from '../../../../src/observability/notifications/notifier.ts';
import type { DeliveryOutcome } from '../../../../src/observability/notifications/notifier.ts';
import { startHttpReceiver, startSmtpReceiver } from '../../../e2e/notification-receivers.ts';
import type { HttpReceiver, SmtpReceiver } from '../../../e2e/notification-receivers.ts';

const approval: NotificationMessage = {
  id: 'prod/deploy-7/requires_approval:switch_traffic',
  event: 'requires_approval',
  workflow: 'blue-green',
  run: 'deploy-7',
  namespace: 'prod',
  phase: 'AwaitingApproval',
  message: 'Step switch_traffic is waiting for approval.',
  time: '2030-01-02T03:04:05.000Z',
  step: 'switch_traffic',
  approval: {
    step: 'switch_traffic',
    users: ['alice'],
    groups: ['sre'],
    required: 1,
    ...approvalCommands('deploy-7', 'prod', 'switch_traffic'),
  },
};

const secrets = {
  readFile: (path: string) => {
    if (path === '/s/password') return 'p4ss\n';
    if (path === '/s/token') return 's3cret-token\n';
    throw new Error('ENOENT');
  },
  env: (name: string) => (name === 'SLACK_URL' ? process.env.TEST_SLACK_URL : undefined),
};

function channelsFrom(yaml: string): Map<string, ChannelConfig> {
  const parsed = parseNotificationsConfig(yaml, 'n.yaml', secrets);
  assert.ok(parsed.ok, parsed.ok ? '' : JSON.stringify(parsed.diagnostics));
  return new Map(parsed.config.channels);
}

async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('delivery to real receivers', () => {
  let http: HttpReceiver;
  let smtp: SmtpReceiver;
  before(async () => {
    http = await startHttpReceiver();
    smtp = await startSmtpReceiver({ user: 'conveyor', password: 'p4ss' });
    process.env.TEST_SLACK_URL = `${http.url}/services/T000/B000/XXXX`;
  });
  after(async () => {
    await http.close();
    await smtp.close();
  });

  it('posts a Slack incoming-webhook payload: text and blocks with the approve command', async () => {
    const slack = createChannel(
      channelsFrom(`channels:\n  slack:\n    webhookUrl: { valueFrom: { env: SLACK_URL } }\n`).get('slack')!,
      { secrets },
    );
    const start = http.requests.length;
    await slack.send(approval, AbortSignal.timeout(5000));
    const request = http.requests[start];
    assert.equal(request?.path, '/services/T000/B000/XXXX');
    assert.equal(request?.headers['content-type'], 'application/json');
    const body = request?.body as { text: string; blocks: { type: string; text?: { text: string } }[] };
    assert.equal(
      body.text,
      ':raised_hand: Run deploy-7 of workflow blue-green in prod is waiting for approval at step switch_traffic: Step switch_traffic is waiting for approval.',
    );
    assert.deepEqual(
      body.blocks.map((b) => b.type),
      ['section', 'section', 'context'],
    );
    assert.match(
      body.blocks[1]?.text?.text ?? '',
      /one approval needed, from alice, group sre\. To approve:/,
    );
    assert.ok(
      (body.blocks[1]?.text?.text ?? '').includes(
        `kubectl patch workflowrun deploy-7 -n prod --type merge -p '{"spec":{"approvals":{"switch_traffic":{"ME":{"decision":"approved"}}}}}'`,
      ),
    );
  });

  it('posts the webhook JSON body with secret headers read from a file', async () => {
    const hook = createChannel(
      channelsFrom(`channels:
  webhook:
    url: ${http.url}/conveyor
    headers:
      Authorization: { valueFrom: { file: /s/token } }
      X-Team: platform
`).get('webhook')!,
      { secrets },
    );
    const start = http.requests.length;
    await hook.send(approval, AbortSignal.timeout(5000));
    const request = http.requests[start];
    assert.equal(request?.path, '/conveyor');
    assert.equal(request?.headers.authorization, 's3cret-token');
    assert.equal(request?.headers['x-team'], 'platform');
    assert.equal(request?.headers['x-conveyor-event'], 'requires_approval');
    assert.equal(request?.headers['x-conveyor-delivery'], approval.id);
    assert.deepEqual(request?.body, {
      id: approval.id,
      event: 'requires_approval',
      workflow: 'blue-green',
      run: 'deploy-7',
      namespace: 'prod',
      phase: 'AwaitingApproval',
      message: 'Step switch_traffic is waiting for approval.',
      time: '2030-01-02T03:04:05.000Z',
      step: 'switch_traffic',
      approval: {
        step: 'switch_traffic',
        users: ['alice'],
        groups: ['sre'],
        required: 1,
        command: approvalCommands('deploy-7', 'prod', 'switch_traffic').command,
        conveyorCommand: 'conveyor approve deploy-7 switch_traffic --cluster -n prod',
      },
    });
  });

  it('sends an email over SMTP with authentication, subject and body', async () => {
    const email = createChannel(
      channelsFrom(`channels:
  email:
    host: 127.0.0.1
    port: ${smtp.port}
    from: conveyor@example.test
    to: [ops@example.test, oncall@example.test]
    username: conveyor
    password: { valueFrom: { file: /s/password } }
`).get('email')!,
      { secrets },
    );
    const start = smtp.mails.length;
    await email.send(approval, AbortSignal.timeout(10_000));
    const mail = smtp.mails[start];
    assert.equal(mail?.user, 'conveyor');
    assert.equal(mail?.from, 'conveyor@example.test');
    assert.equal(mail?.to, 'ops@example.test, oncall@example.test');
    assert.equal(
      mail?.subject,
      '[Conveyor] Run deploy-7 of workflow blue-green in prod is waiting for approval at step switch_traffic',
    );
    assert.match(mail?.text ?? '', /Phase:\s+AwaitingApproval/);
    assert.match(mail?.text ?? '', /one approval needed, from alice, group sre\. To approve:/);
    assert.ok(mail?.text.includes('kubectl patch workflowrun deploy-7 -n prod --type merge'));
    assert.equal(mail?.headers.get('x-conveyor-event'), 'requires_approval');
  });

  it('reports refused SMTP credentials as a failure not worth retrying', async () => {
    const email = createChannel(
      channelsFrom(`channels:
  email:
    host: 127.0.0.1
    port: ${smtp.port}
    from: conveyor@example.test
    to: ops@example.test
    username: conveyor
    password: wrong
`).get('email')!,
      { secrets },
    );
    await assert.rejects(email.send(approval, AbortSignal.timeout(10_000)), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      assert.equal(error.retryable, false);
      assert.doesNotMatch(error.message, /wrong/);
      return true;
    });
  });

  it('retries after a 503 and delivers on the next try', async () => {
    const registry = new Registry();
    const hook = createChannel(
      channelsFrom(`channels:\n  webhook:\n    url: ${http.url}/retry\n`).get('webhook')!,
      { secrets },
    );
    const settled: DeliveryOutcome[] = [];
    const notifier = new Notifier({
      channels: [hook],
      queueSize: 10,
      retry: { maxAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 10 },
      metrics: createNotificationMetrics(registry),
      onSettled: (_d, outcome) => settled.push(outcome),
    });
    http.failNext(1, 503);
    const start = http.requests.length;
    notifier.enqueue({ id: 'a', channel: 'webhook', message: approval });
    await notifier.idle();
    assert.deepEqual(settled, ['sent']);
    assert.equal(http.requests.slice(start).filter((r) => r.path === '/retry').length, 1);
    assert.match(
      await registry.metrics(),
      /conveyor_notification_attempts_total\{channel="webhook",result="error"\} 1/,
    );
  });

  it('logs why a delivery failed without the Slack URL, which is the credential', async () => {
    const port = await refusedPort();
    const lines: string[] = [];
    const logger = createLogger({
      level: 'debug',
      destination: { write: (line: string) => lines.push(line) },
    });
    process.env.TEST_DOWN_SLACK_URL = `http://127.0.0.1:${port}/services/T000/B000/very-secret-path`;
    const slack = createChannel(
      channelsFrom(`channels:\n  slack:\n    webhookUrl: { valueFrom: { env: SLACK_URL } }\n`).get('slack')!,
      {
        secrets: {
          ...secrets,
          env: (name) => (name === 'SLACK_URL' ? process.env.TEST_DOWN_SLACK_URL : undefined),
        },
      },
    );
    const notifier = new Notifier({
      channels: [slack],
      queueSize: 10,
      retry: { maxAttempts: 2, initialBackoffMs: 1, maxBackoffMs: 1 },
      logger,
    });
    notifier.enqueue({ id: 'a', channel: 'slack', message: approval });
    await notifier.idle();
    const text = lines.join('');
    assert.match(text, /Gave up delivering a notification after 2 tries/);
    assert.match(text, /ECONNREFUSED/);
    assert.doesNotMatch(text, /very-secret-path|T000/);
  });

  it('a channel that is down (connection refused) fails on its own without holding up the others', async () => {
    const port = await refusedPort();
    const channels = channelsFrom(`channels:
  down:
    type: webhook
    url: http://127.0.0.1:${port}/nobody
  email:
    host: 127.0.0.1
    port: ${port}
    from: conveyor@example.test
    to: ops@example.test
  webhook:
    url: ${http.url}/up
`);
    const settled: [string, DeliveryOutcome][] = [];
    const notifier = new Notifier({
      channels: [...channels.values()].map((c) => createChannel(c, { secrets })),
      queueSize: 10,
      retry: { maxAttempts: 3, initialBackoffMs: 50, maxBackoffMs: 50 },
      onSettled: (d, outcome) => settled.push([d.channel, outcome]),
    });
    for (const channel of ['down', 'email', 'webhook'])
      notifier.enqueue({ id: channel, channel, message: approval });
    assert.equal(settled.length, 0, 'enqueue returns before any delivery settles');
    await notifier.idle();
    assert.deepEqual(Object.fromEntries(settled), { down: 'failed', email: 'failed', webhook: 'sent' });
    assert.equal(settled[0]?.[0], 'webhook', 'the working channel settled first');
  });
});
