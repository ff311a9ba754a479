// Notifications, custom metrics and alerts on a real control plane, the controller running as a
// process with a notifications config that points at real local receivers (an HTTP server for the
// Slack and webhook channels, an SMTP server for email): a workflow with custom metrics, tracked
// steps, an approval gate and alerts runs; /metrics is scraped for each custom metric with its
// labels and for the alert counter; the AlertFired Event, status and every received message are
// checked; a restarted controller sends nothing twice; a clashing metric declaration is an Event.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CREATED_BY_ANNOTATION, workflowResource } from '../../src/spec/crd/resources.ts';
import { startHttpReceiver, startSmtpReceiver } from '../e2e/notification-receivers.ts';
import type { HttpReceiver, ReceivedRequest, SmtpReceiver } from '../e2e/notification-receivers.ts';
import { startController } from './controller-process.ts';
import type { ControllerProcess } from './controller-process.ts';
import { ADMIN_USER } from './harness.ts';
import { installCrds } from './install-crds.ts';
import { apply, createNamespace, getObject, kubectl } from './kubectl.ts';
import type { KubectlOptions } from './kubectl.ts';
import { pollUntil } from './lib/wait.ts';
import { useCluster } from './use-cluster.ts';
import { waitForRun as waitForRunIn } from './lib/wait-for-run.ts';

const suite = await useCluster();

interface Run {
  status?: {
    phase?: string;
    alerts?: { name: string; severity: string; condition: string; message: string; firedAt: string }[];
    notifications?: Record<string, string>;
  };
}

const observed = {
  name: 'observed',
  parameters: [{ name: 'environment', default: 'staging' }],
  notifications: {
    channels: ['slack', 'webhook', 'email'],
    events: ['started', 'completed', 'failed', 'requires_approval', 'alert'],
  },
  metrics: {
    enabled: true,
    custom_metrics: [
      {
        name: 'obs_deploy_seconds',
        type: 'histogram',
        description: 'Time taken for deployment',
        labels: ['environment'],
        buckets: [0.5, 1, 5, 30],
      },
      { name: 'obs_deploy_summary_seconds', type: 'summary', description: 'Deployment time quantiles' },
      { name: 'obs_last_deploy_seconds', type: 'gauge', description: 'Last deployment time' },
      { name: 'obs_deploy_outcomes', type: 'counter', description: 'Deployments by outcome' },
    ],
  },
  monitoring: {
    metrics: ['deployment_duration', 'success_rate'],
    alerts: [
      {
        name: 'slow_run',
        condition: 'run_duration > 1',
        severity: 'critical',
        message: 'slow: {{ .run_duration }}s',
      },
      { name: 'failures', condition: 'failed_steps > 0', severity: 'warning' },
    ],
  },
  steps: [
    {
      name: 'deploy',
      command: 'sleep 2',
      metrics: { track_duration: true, track_success: true, custom_labels: { service: 'api' } },
    },
    {
      name: 'release',
      command: 'true',
      manual_approval: true,
      approvers: { users: [ADMIN_USER] },
      allow_self_approval: true,
    },
  ],
};

describe('notifications, custom metrics and alerts', suite.options, () => {
  let ns: { name: string; remove: () => Promise<void> };
  let target: KubectlOptions;
  let http: HttpReceiver;
  let smtp: SmtpReceiver;
  let controller: ControllerProcess | undefined;
  let logs = '';
  let configFile = '';

  const launch = (): ControllerProcess =>
    startController({
      kubeconfig: suite.get().kubeconfig,
      namespace: ns.name,
      args: [`--notifications-config=${configFile}`],
      env: { HOOK_TOKEN: 'Bearer s3cret-hook-token' },
    });

  async function stopController(): Promise<void> {
    const current = controller;
    controller = undefined;
    if (current) {
      await current.stop();
      logs += current.log();
    }
  }

  const port = (): Promise<number> =>
    pollUntil(
      () => {
        const line = controller
          ?.log()
          .split('\n')
          .find((l) => l.includes('"controller started"'));
        return line ? (JSON.parse(line) as { port: number }).port : undefined;
      },
      { what: 'the controller to listen', timeoutMs: 60_000, describe: () => controller?.log() ?? '' },
    );

  async function scrape(): Promise<string> {
    const response = await fetch(`http://127.0.0.1:${await port()}/metrics`);
    return response.text();
  }

  const waitForRun = (name: string, ok: (run: Run) => boolean, timeoutMs?: number): Promise<Run> =>
    waitForRunIn(name, ok, target, () => logs + (controller?.log() ?? ''), { timeoutMs });

  async function createRun(name: string, spec: Record<string, unknown>): Promise<void> {
    await apply(
      [
        {
          apiVersion: 'conveyor.dev/v1alpha1',
          kind: 'WorkflowRun',
          metadata: { name, namespace: ns.name, annotations: { [CREATED_BY_ANNOTATION]: ADMIN_USER } },
          spec,
        },
      ],
      target,
    );
  }

  const byPath = (path: string): ReceivedRequest[] => http.requests.filter((r) => r.path === path);
  const webhookEvents = (run: string): string[] =>
    byPath('/hooks/conveyor')
      .filter((r) => r.body.run === run)
      .map((r) => String(r.body.event));

  before(async () => {
    const cluster = suite.get();
    await installCrds(cluster.kubeconfig);
    ns = await createNamespace('notify', cluster.kubeconfig);
    target = { kubeconfig: cluster.kubeconfig, namespace: ns.name };
    http = await startHttpReceiver();
    smtp = await startSmtpReceiver();
    const dir = mkdtempSync(join(tmpdir(), 'conveyor-notify-'));
    // As Helm mounts them: settings in a ConfigMap, the Slack URL in a Secret file, a header from env.
    writeFileSync(join(dir, 'slack-webhook-url'), `${http.url}/services/T0/B0/secret\n`);
    configFile = join(dir, 'notifications.yaml');
    writeFileSync(
      configFile,
      `channels:
  slack:
    webhookUrl: { valueFrom: { file: ${join(dir, 'slack-webhook-url')} } }
  webhook:
    url: ${http.url}/hooks/conveyor
    headers:
      Authorization: { valueFrom: { env: HOOK_TOKEN } }
  email:
    host: 127.0.0.1
    port: ${smtp.port}
    from: conveyor@example.test
    to: [ops@example.test]
delivery:
  initialBackoff: 200ms
`,
    );
    controller = launch();
  });

  after(async () => {
    await stopController();
    await http?.close();
    await smtp?.close();
    await ns?.remove();
  });

  test('a run notifies every channel, fires its duration alert once, and feeds its custom metrics', async () => {
    const wrapped = workflowResource(observed, ns.name);
    assert.ok(wrapped.ok);
    await apply([wrapped.resource], target);
    await createRun('observed-1', { workflowRef: { name: 'observed' } });

    // The approval request reaches every channel with the command that approves.
    const waiting = await waitForRun('observed-1', (r) => r.status?.phase === 'AwaitingApproval');
    assert.deepEqual(
      waiting.status?.alerts?.map((a) => [a.name, a.severity, a.condition]),
      [['slow_run', 'critical', 'run_duration > 1']],
      'the deploy step sleeps 2 s: run_duration > 1 fired while it ran',
    );
    assert.match(waiting.status?.alerts?.[0]?.message ?? '', /^slow: 1\.\d+s$/);
    const request = await pollUntil(
      () => byPath('/hooks/conveyor').find((r) => r.body.event === 'requires_approval'),
      { what: 'the requires_approval webhook', timeoutMs: 30_000 },
    );
    assert.equal(request.headers.authorization, 'Bearer s3cret-hook-token');
    assert.deepEqual(
      [
        request.body.workflow,
        request.body.run,
        request.body.namespace,
        request.body.step,
        request.body.phase,
      ],
      ['observed', 'observed-1', ns.name, 'release', 'AwaitingApproval'],
    );
    const approval = request.body.approval as { users: string[]; command: string };
    assert.deepEqual(approval.users, [ADMIN_USER]);
    assert.ok(
      approval.command.startsWith(`kubectl patch workflowrun observed-1 -n ${ns.name} --type merge -p`),
    );

    await kubectl(
      [
        'patch',
        'workflowrun',
        'observed-1',
        '--type',
        'merge',
        '-p',
        JSON.stringify({ spec: { approvals: { release: { [ADMIN_USER]: { decision: 'approved' } } } } }),
      ],
      target,
    );
    const done = await waitForRun(
      'observed-1',
      (r) => r.status?.phase === 'Succeeded' && Object.keys(r.status?.notifications ?? {}).length === 4,
    );
    assert.deepEqual(done.status?.notifications, {
      started: 'Sent',
      'alert:slow_run': 'Sent',
      'requires_approval:release': 'Sent',
      completed: 'Sent',
    });
    assert.deepEqual(
      done.status?.alerts?.map((a) => a.name),
      ['slow_run'],
      'failures did not fire',
    );

    // Every channel got each event exactly once, in the formats each expects.
    const events = ['alert', 'completed', 'requires_approval', 'started'];
    assert.deepEqual(webhookEvents('observed-1').sort(), events);
    const slack = byPath('/services/T0/B0/secret').filter((r) => String(r.body.text).includes('observed-1'));
    assert.equal(slack.length, 4);
    assert.ok(slack.every((r) => typeof r.body.text === 'string' && Array.isArray(r.body.blocks)));
    assert.ok(slack.some((r) => /raised a critical alert/.test(String(r.body.text))));
    const mails = smtp.mails.filter((m) => m.subject.includes('observed-1'));
    assert.deepEqual(
      mails
        .map((m) => m.subject.replace(/^\[Conveyor\] Run observed-1 of workflow observed in \S+ /, ''))
        .sort(),
      ['is waiting for approval at step release', 'raised a critical alert', 'started', 'succeeded'],
    );
    assert.ok(mails.every((m) => m.to === 'ops@example.test' && m.from === 'conveyor@example.test'));

    // The AlertFired Event on the run.
    const eventList = await kubectl(
      ['get', 'events', '--field-selector', 'involvedObject.name=observed-1,reason=AlertFired', '-o', 'json'],
      target,
    );
    const alertEvents = (
      JSON.parse(eventList.stdout) as { items: { type: string; message: string; count?: number }[] }
    ).items;
    assert.equal(alertEvents.length, 1);
    assert.equal(alertEvents[0]?.type, 'Warning');
    assert.match(alertEvents[0]?.message ?? '', /^critical alert slow_run: slow: 1\.\d+s$/);

    // /metrics: each custom metric with its type, help and labels; the alert counter.
    const text = await scrape();
    const labels = `workflow="observed",namespace="${ns.name}",step="deploy",environment="staging",service="api"`;
    assert.match(
      text,
      /# HELP obs_deploy_seconds Time taken for deployment\n# TYPE obs_deploy_seconds histogram/,
    );
    assert.match(text, new RegExp(`obs_deploy_seconds_bucket\\{le="5",${labels}\\} 1`));
    assert.match(text, new RegExp(`obs_deploy_seconds_bucket\\{le="1",${labels}\\} 0`));
    assert.match(text, new RegExp(`obs_deploy_seconds_count\\{${labels}\\} 1`));
    const short = `workflow="observed",namespace="${ns.name}",step="deploy",service="api"`;
    assert.match(text, /# TYPE obs_deploy_summary_seconds summary/);
    assert.match(text, new RegExp(`obs_deploy_summary_seconds_count\\{${short}\\} 1`));
    const gauge = new RegExp(`obs_last_deploy_seconds\\{${short}\\} ([\\d.]+)`).exec(text);
    assert.ok(gauge && Number(gauge[1]) >= 2 && Number(gauge[1]) < 30, `gauge: ${gauge?.[1]}`);
    assert.match(text, /# TYPE obs_deploy_outcomes counter/);
    assert.match(text, new RegExp(`obs_deploy_outcomes\\{${short},outcome="success"\\} 1`));
    assert.match(
      text,
      /conveyor_alerts_fired_total\{workflow="observed",alert="slow_run",severity="critical"\} 1/,
    );
    for (const channel of ['slack', 'webhook', 'email'])
      assert.match(
        text,
        new RegExp(
          `conveyor_notifications_total\\{channel="${channel}",event="completed",result="sent"\\} 1`,
        ),
      );
  });

  test('a failing run sends failed and counts the failure; a clashing metric is an Event', async () => {
    await createRun('observed-2', {
      workflow: {
        name: 'observed-inline',
        notifications: { channels: ['webhook'], events: ['failed'] },
        metrics: { custom_metrics: [{ name: 'obs_deploy_outcomes', type: 'counter' }] },
        steps: [
          {
            name: 'deploy',
            command: 'exit 3',
            metrics: { track_success: true, custom_labels: { service: 'api' } },
          },
        ],
      },
    });
    await createRun('observed-3', {
      workflow: {
        name: 'observed-clash',
        metrics: { custom_metrics: [{ name: 'obs_deploy_outcomes', type: 'gauge' }] },
        steps: [{ name: 'deploy', command: 'true', metrics: { track_duration: true } }],
      },
    });
    const failed = await waitForRun('observed-2', (r) => r.status?.notifications?.failed === 'Sent');
    assert.equal(failed.status?.phase, 'Failed');
    assert.deepEqual(webhookEvents('observed-2'), ['failed']);
    const failure = byPath('/hooks/conveyor').find((r) => r.body.run === 'observed-2');
    assert.match(String(failure?.body.message), /^The run failed after /);
    await waitForRun('observed-3', (r) => r.status?.phase === 'Succeeded');
    const clash = await pollUntil(
      async () => {
        const list = await kubectl(
          [
            'get',
            'events',
            '--field-selector',
            'involvedObject.name=observed-3,reason=MetricConflict',
            '-o',
            'json',
          ],
          target,
        );
        return (JSON.parse(list.stdout) as { items: { message: string }[] }).items[0];
      },
      { what: 'the MetricConflict Event', timeoutMs: 30_000 },
    );
    assert.match(clash.message, /metric obs_deploy_outcomes is already declared by workflow .* as a counter/);
    const text = await scrape();
    assert.match(
      text,
      new RegExp(
        `obs_deploy_outcomes\\{workflow="observed-inline",namespace="${ns.name}",step="deploy",service="api",outcome="failure"\\} 1`,
      ),
    );
    assert.doesNotMatch(text, /observed-clash/);
  });

  test('a restarted controller sends nothing twice and records no step again', async () => {
    const before = http.requests.length + smtp.mails.length;
    await stopController();
    controller = launch();
    await port();
    // Give it time to reconcile every run after the restart.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    assert.equal(http.requests.length + smtp.mails.length, before);
    const text = await scrape();
    assert.doesNotMatch(text, /obs_deploy_outcomes\{/);
    assert.doesNotMatch(text, /conveyor_alerts_fired_total\{/);
    const run = await getObject<Run>('workflowrun', 'observed-1', target);
    assert.equal(run?.status?.alerts?.length, 1);
  });
});
