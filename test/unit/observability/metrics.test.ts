// The controller's metrics: every name the operator dashboards rely on is registered, labels are the
// documented ones, and helpers set gauges the way Prometheus expects (zeros included).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createControllerMetrics } from '../../../src/observability/metrics.ts';

describe('controller metrics', () => {
  it('registers the controller metrics in their own registry', async () => {
    const metrics = createControllerMetrics({ processMetrics: false });
    const names = (await metrics.registry.getMetricsAsJSON()).map((m) => m.name).sort();
    assert.deepEqual(names, [
      'conveyor_api_errors_total',
      'conveyor_leader',
      'conveyor_reconcile_duration_seconds',
      'conveyor_step_attempts_total',
      'conveyor_step_duration_seconds',
      'conveyor_step_retries_total',
      'conveyor_watch_relists_total',
      'conveyor_watch_restarts_total',
      'conveyor_workflow_run_duration_seconds',
      'conveyor_workflow_runs',
      'conveyor_workqueue_depth',
    ]);
  });

  it('reports every run phase at scrape time, zero when none is in it', async () => {
    const metrics = createControllerMetrics({ processMetrics: false });
    let counts: Record<string, number> = { Running: 3, Succeeded: 10 };
    metrics.trackRunPhases(() => counts);
    assert.match(await metrics.registry.metrics(), /^conveyor_workflow_runs\{phase="Succeeded"\} 10$/m);
    counts = { Running: 2 };
    const text = await metrics.registry.metrics();
    assert.match(text, /^conveyor_workflow_runs\{phase="Running"\} 2$/m);
    assert.match(text, /^conveyor_workflow_runs\{phase="Succeeded"\} 0$/m);
    assert.match(text, /^conveyor_workflow_runs\{phase="AwaitingApproval"\} 0$/m);
  });

  it('reads queue depth at scrape time', async () => {
    const metrics = createControllerMetrics({ processMetrics: false });
    let depth = 4;
    metrics.trackQueueDepth('workflowruns', () => depth);
    assert.match(await metrics.registry.metrics(), /^conveyor_workqueue_depth\{queue="workflowruns"\} 4$/m);
    depth = 0;
    assert.match(await metrics.registry.metrics(), /^conveyor_workqueue_depth\{queue="workflowruns"\} 0$/m);
  });

  it('counts API errors, watch restarts and relists with their labels, and times reconciles', async () => {
    const metrics = createControllerMetrics({ processMetrics: false });
    metrics.apiErrors.inc({ verb: 'create', resource: 'jobs', code: '409' });
    metrics.watchRestarts.inc({ resource: 'workflowruns', reason: 'expired' });
    metrics.relists.inc({ resource: 'workflowruns' });
    metrics.startReconcileTimer('workflowrun')('success');
    const text = await metrics.registry.metrics();
    assert.match(text, /^conveyor_api_errors_total\{verb="create",resource="jobs",code="409"\} 1$/m);
    assert.match(text, /^conveyor_watch_restarts_total\{resource="workflowruns",reason="expired"\} 1$/m);
    assert.match(text, /^conveyor_watch_relists_total\{resource="workflowruns"\} 1$/m);
    assert.match(
      text,
      /^conveyor_reconcile_duration_seconds_count\{controller="workflowrun",result="success"\} 1$/m,
    );
  });

  it('adds Node.js process metrics when asked', async () => {
    const metrics = createControllerMetrics();
    assert.match(await metrics.registry.metrics(), /^conveyor_process_resident_memory_bytes /m);
  });
});

describe('the Grafana dashboard', () => {
  it('queries only metrics the controller exports', async () => {
    const { readFileSync } = await import('node:fs');
    const { createNotificationMetrics } = await import('../../../src/observability/notifications/metrics.ts');
    const { createAlertsFiredCounter } = await import('../../../src/observability/alert-metrics.ts');
    const metrics = createControllerMetrics({ processMetrics: false });
    createNotificationMetrics(metrics.registry);
    createAlertsFiredCounter(metrics.registry);
    const exported = new Set(metrics.registry.getMetricsAsArray().map((m) => m.name));
    const dashboard = readFileSync(
      new URL('../../../helm/conveyor/files/dashboard.json', import.meta.url),
      'utf8',
    );
    const queried = new Set(
      [...dashboard.matchAll(/\bconveyor_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, '')),
    );
    assert.ok(queried.size >= 10, [...queried].join(', '));
    for (const name of queried) assert.ok(exported.has(name), `${name} is not exported`);
  });
});
