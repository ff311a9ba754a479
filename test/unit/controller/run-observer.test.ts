// The run observer between reconciles: what goes into status (fired alerts, notification results),
// what happens after the write (Events, metrics, deliveries), and that each happens once per run
// across reconciles and controller restarts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { RunObserver } from '../../../src/controller/run-observer.ts';
import type { ObservedStatus } from '../../../src/controller/run-observer.ts';
import type { RunApi } from '../../../src/controller/run-api.ts';
import type { WorkflowRunObject } from '../../../src/controller/resources.ts';
import { createRunState } from '../../../src/engine/state.ts';
import type { RunState } from '../../../src/engine/types.ts';
import { parseNotificationsConfig } from '../../../src/observability/notifications/config.ts';
import type { NotificationsConfig } from '../../../src/observability/notifications/config.ts';
import { run } from '../engine/helpers/run.ts';
import { workflowFrom } from '../engine/observability-helpers.ts';

const wf = workflowFrom(`
name: deploy
notifications:
  channels: [hook, pager]
  events: [started, completed, failed, alert]
metrics:
  custom_metrics:
    - { name: deploy_seconds, type: histogram, description: Deploy time }
    - { name: deploys, type: counter }
monitoring:
  alerts:
    - { name: slow, condition: "run_duration > 1", severity: critical }
steps:
  - name: api
    command: "true"
    metrics: { track_duration: true, track_success: true, custom_labels: { service: api } }
  - name: web
    command: "true"
`);

function config(maxEventAge = '1h'): NotificationsConfig {
  const parsed = parseNotificationsConfig(
    `channels:\n  hook:\n    type: webhook\n    url: http://receiver.test/hook\ndelivery:\n  maxEventAge: ${maxEventAge}\n`,
    'n.yaml',
    { readFile: () => '', env: () => undefined },
  );
  assert.ok(parsed.ok);
  return parsed.config;
}

interface Harness {
  observer: RunObserver;
  registry: Registry;
  posts: { event: string; id: string }[];
  events: [string, string, string][];
  requeued: string[];
  api: RunApi;
}

function harness(notifications: NotificationsConfig | undefined = config()): Harness {
  const registry = new Registry();
  const posts: { event: string; id: string }[] = [];
  const events: [string, string, string][] = [];
  const requeued: string[] = [];
  const fakeFetch = (async (_url: string, init: { body: string }) => {
    const body = JSON.parse(init.body) as { event: string; id: string };
    posts.push({ event: body.event, id: body.id });
    return new Response('ok', { status: 200 });
  }) as unknown as typeof fetch;
  const observer = new RunObserver({
    registry,
    ...(notifications ? { notifications } : {}),
    requeue: (ns, name) => requeued.push(`${ns}/${name}`),
    notificationDeps: { channelDeps: { fetch: fakeFetch } },
  });
  const api = {
    recordEvent: (_run: WorkflowRunObject, type: string, reason: string, message: string) =>
      events.push([type, reason, message]),
  } as unknown as RunApi;
  return { observer, registry, posts, events, requeued, api };
}

function runObject(status: ObservedStatus = {}): WorkflowRunObject {
  return {
    apiVersion: 'conveyor.dev/v1alpha1',
    kind: 'WorkflowRun',
    metadata: {
      name: 'deploy-1',
      namespace: 'team',
      uid: 'uid-1',
      creationTimestamp: '2030-01-01T00:00:00Z',
    },
    spec: { workflowRef: { name: 'deploy' } },
    status: status as Record<string, unknown>,
  } as unknown as WorkflowRunObject;
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

/** The run from start to end, with the states seen on the way. */
function simulated(): {
  plan: ReturnType<typeof run>['plan'];
  initial: RunState;
  running: RunState;
  done: RunState;
} {
  let running: RunState | undefined;
  const result = run(wf, {
    start: 1_000_000,
    script: { api: { durationMs: 3000 }, web: { durationMs: 100 } },
    check: (state) => {
      if (state.stage === 'steps' && state.startedAt !== undefined) running ??= state;
    },
  });
  assert.ok(running);
  return {
    plan: result.plan,
    initial: createRunState(result.plan, { runId: 'x', context: {} }, 1_000_000),
    running,
    done: result.state,
  };
}

describe('the run observer', () => {
  it('sends each event once and records its result in status after every channel settled', async () => {
    const h = harness();
    const { plan, initial, running, done } = simulated();
    const now = running.startedAt ?? 0;
    const first = h.observer.observe({
      api: h.api,
      run: runObject(),
      plan,
      before: initial,
      after: running,
      workflow: 'deploy',
      now,
    });
    assert.deepEqual(first.results, {});
    first.commit();
    await settle();
    assert.deepEqual(
      h.posts.map((p) => p.event),
      ['started'],
    );
    assert.equal(h.posts[0]?.id, 'team/deploy-1/started');
    assert.deepEqual(h.requeued, ['team/deploy-1']);
    assert.deepEqual(
      h.events.map(([, reason]) => reason),
      ['NotificationChannelUnknown'],
      'pager is not configured: said once',
    );
    // The reconcile the settlement asked for records the result.
    const second = h.observer.observe({
      api: h.api,
      run: runObject(),
      plan,
      before: running,
      after: running,
      workflow: 'deploy',
      now: now + 10,
    });
    assert.deepEqual(second.results.notifications, { started: 'Sent' });
    second.commit();
    // With it in status, it is never sent again.
    const third = h.observer.observe({
      api: h.api,
      run: runObject(second.results),
      plan,
      before: running,
      after: running,
      workflow: 'deploy',
      now: now + 20,
    });
    third.commit();
    await settle();
    assert.deepEqual(
      h.posts.map((p) => p.event),
      ['started'],
    );
    // The end: completed, and the alert (the run took 3.1 s).
    const end = h.observer.observe({
      api: h.api,
      run: runObject(second.results),
      plan,
      before: running,
      after: done,
      workflow: 'deploy',
      now: done.finishedAt ?? 0,
    });
    assert.deepEqual(
      end.results.alerts?.map((a) => [a.name, a.severity]),
      [['slow', 'critical']],
    );
    end.commit();
    await settle();
    assert.deepEqual(h.posts.map((p) => p.event).sort(), ['alert', 'completed', 'started']);
    assert.ok(
      h.events.some(
        ([type, reason, message]) =>
          type === 'Warning' && reason === 'AlertFired' && /critical alert slow/.test(message),
      ),
    );
    const text = await h.registry.metrics();
    assert.match(text, /conveyor_alerts_fired_total\{workflow="deploy",alert="slow",severity="critical"\} 1/);
  });

  it('sends again after a restart what status does not record, and nothing it does', async () => {
    const { plan, running } = simulated();
    const now = running.startedAt ?? 0;
    const before = harness();
    before.observer
      .observe({
        api: before.api,
        run: runObject(),
        plan,
        before: running,
        after: running,
        workflow: 'deploy',
        now,
      })
      .commit();
    // The controller dies before writing the result: a new one sends it again (at least once).
    const after = harness();
    after.observer
      .observe({
        api: after.api,
        run: runObject(),
        plan,
        before: running,
        after: running,
        workflow: 'deploy',
        now,
      })
      .commit();
    await settle();
    assert.deepEqual(
      after.posts.map((p) => p.id),
      ['team/deploy-1/started'],
    );
    const recorded = harness();
    recorded.observer
      .observe({
        api: recorded.api,
        run: runObject({ notifications: { started: 'Sent' } }),
        plan,
        before: running,
        after: running,
        workflow: 'deploy',
        now,
      })
      .commit();
    await settle();
    assert.deepEqual(recorded.posts, []);
  });

  it('skips events older than maxEventAge, so enabling notifications does not replay old runs', () => {
    const h = harness(config('1m'));
    const { plan, done } = simulated();
    const observation = h.observer.observe({
      api: h.api,
      run: runObject(),
      plan,
      before: done,
      after: done,
      workflow: 'deploy',
      now: (done.finishedAt ?? 0) + 3_600_000,
    });
    assert.deepEqual(observation.results.notifications, { started: 'Skipped', completed: 'Skipped' });
    assert.equal(observation.results.alerts, undefined, 'a run that ended an hour ago raises no alert now');
  });

  it('fires an alert once, carrying earlier ones forward', () => {
    const h = harness(undefined);
    const { plan, running, done } = simulated();
    const first = h.observer.observe({
      api: h.api,
      run: runObject(),
      plan,
      before: running,
      after: done,
      workflow: 'deploy',
      now: done.finishedAt ?? 0,
    });
    first.commit();
    const again = h.observer.observe({
      api: h.api,
      run: runObject(first.results),
      plan,
      before: done,
      after: done,
      workflow: 'deploy',
      now: (done.finishedAt ?? 0) + 1,
    });
    again.commit();
    assert.deepEqual(again.results, first.results);
    assert.equal(h.events.filter(([, reason]) => reason === 'AlertFired').length, 1);
    assert.equal(first.results.notifications, undefined, 'no notifications without a config');
  });

  it('asks to be woken when a duration alert would fire', () => {
    const h = harness(undefined);
    const { plan, running } = simulated();
    const start = running.startedAt ?? 0;
    const observation = h.observer.observe({
      api: h.api,
      run: runObject(),
      plan,
      before: running,
      after: running,
      workflow: 'deploy',
      now: start + 200,
    });
    assert.equal(observation.wakeAt, start + 1001);
  });

  it('records a finished tracked step once into the custom metrics, with its labels', async () => {
    const h = harness(undefined);
    const { plan, initial, running, done } = simulated();
    h.observer
      .observe({
        api: h.api,
        run: runObject(),
        plan,
        before: initial,
        after: running,
        workflow: 'deploy',
        now: 0,
      })
      .commit();
    h.observer
      .observe({
        api: h.api,
        run: runObject(),
        plan,
        before: running,
        after: done,
        workflow: 'deploy',
        now: 0,
      })
      .commit();
    h.observer
      .observe({ api: h.api, run: runObject(), plan, before: done, after: done, workflow: 'deploy', now: 0 })
      .commit();
    const text = await h.registry.metrics();
    assert.match(text, /# HELP deploy_seconds Deploy time\n# TYPE deploy_seconds histogram/);
    assert.match(
      text,
      /deploy_seconds_count\{workflow="deploy",namespace="team",step="api",service="api"\} 1/,
    );
    assert.match(
      text,
      /deploy_seconds_sum\{workflow="deploy",namespace="team",step="api",service="api"\} 3\n/,
    );
    assert.match(
      text,
      /deploys\{workflow="deploy",namespace="team",step="api",service="api",outcome="success"\} 1/,
    );
  });

  it('reports a metric another workflow declared differently as an Event, once', () => {
    const h = harness(undefined);
    const { plan, done } = simulated();
    const other = workflowFrom(`
name: other
metrics:
  custom_metrics: [{ name: deploys, type: gauge }]
steps: [{ name: a, command: "true", metrics: { track_duration: true } }]
`);
    const otherPlan = run(other).plan;
    h.observer
      .observe({ api: h.api, run: runObject(), plan, before: done, after: done, workflow: 'deploy', now: 0 })
      .commit();
    for (let i = 0; i < 2; i++)
      h.observer
        .observe({
          api: h.api,
          run: runObject(),
          plan: otherPlan,
          before: done,
          after: done,
          workflow: 'other',
          now: 0,
        })
        .commit();
    const conflicts = h.events.filter(([, reason]) => reason === 'MetricConflict');
    assert.equal(conflicts.length, 1);
    assert.match(
      conflicts[0]?.[2] ?? '',
      /metric deploys is already declared by workflow team\/deploy as a counter/,
    );
  });
});
