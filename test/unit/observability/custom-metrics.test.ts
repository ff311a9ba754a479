// Workflows' custom metrics on a Prometheus registry: types, labels, and declarations that clash.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Registry } from 'prom-client';
import { CustomMetrics } from '../../../src/observability/custom-metrics.ts';
import type { MetricDeclaration } from '../../../src/observability/custom-metrics.ts';

const histogram: MetricDeclaration = {
  name: 'deployment_duration',
  type: 'histogram',
  help: 'Time taken for deployment',
  labelNames: ['workflow', 'namespace', 'step', 'service'],
  buckets: [1, 10],
};
const counter: MetricDeclaration = {
  name: 'success_rate',
  type: 'counter',
  help: 'Successful workflow executions',
  labelNames: ['workflow', 'namespace', 'step', 'outcome'],
};

describe('custom metrics', () => {
  it('exposes each type with its help and labels, and feeds it by its type', async () => {
    const registry = new Registry();
    const metrics = new CustomMetrics(registry);
    const gauge: MetricDeclaration = {
      name: 'last_seconds',
      type: 'gauge',
      help: 'Last duration',
      labelNames: ['workflow', 'step'],
    };
    const summary: MetricDeclaration = {
      name: 'deploy_summary',
      type: 'summary',
      help: 'Durations',
      labelNames: ['workflow'],
    };
    assert.deepEqual(metrics.declare('ns/deploy', [histogram, counter, gauge, summary]), []);
    const labels = { workflow: 'deploy', namespace: 'ns', step: 'api', service: 'api', extra: 'dropped' };
    metrics.record('ns/deploy', 'deployment_duration', 'histogram', labels, 2.5);
    metrics.record('ns/deploy', 'success_rate', 'counter', { ...labels, outcome: 'success' }, 1);
    metrics.record('ns/deploy', 'success_rate', 'counter', { ...labels, outcome: 'success' }, 1);
    metrics.record('ns/deploy', 'last_seconds', 'gauge', labels, 4);
    metrics.record('ns/deploy', 'last_seconds', 'gauge', labels, 3);
    metrics.record('ns/deploy', 'deploy_summary', 'summary', labels, 3);
    const text = await registry.metrics();
    assert.match(
      text,
      /# HELP deployment_duration Time taken for deployment\n# TYPE deployment_duration histogram/,
    );
    assert.match(
      text,
      /deployment_duration_bucket\{le="10",workflow="deploy",namespace="ns",step="api",service="api"\} 1/,
    );
    assert.match(
      text,
      /deployment_duration_sum\{workflow="deploy",namespace="ns",step="api",service="api"\} 2.5/,
    );
    assert.match(
      text,
      /# TYPE success_rate counter\nsuccess_rate\{workflow="deploy",namespace="ns",step="api",outcome="success"\} 2/,
    );
    assert.match(text, /# TYPE last_seconds gauge\nlast_seconds\{workflow="deploy",step="api"\} 3/);
    assert.match(text, /# TYPE deploy_summary summary\ndeploy_summary\{quantile="0.5",workflow="deploy"\} 3/);
    assert.doesNotMatch(text, /extra=/);
  });

  it('shares a metric between workflows that declare it the same way', async () => {
    const registry = new Registry();
    const metrics = new CustomMetrics(registry);
    assert.deepEqual(metrics.declare('ns/a', [counter]), []);
    assert.deepEqual(metrics.declare('ns/b', [{ ...counter, help: 'other words' }]), []);
    metrics.record('ns/a', 'success_rate', 'counter', { workflow: 'a', outcome: 'success' }, 1);
    metrics.record('ns/b', 'success_rate', 'counter', { workflow: 'b', outcome: 'failure' }, 1);
    const text = await registry.metrics();
    assert.match(text, /success_rate\{workflow="a",namespace="",step="",outcome="success"\} 1/);
    assert.match(text, /success_rate\{workflow="b",namespace="",step="",outcome="failure"\} 1/);
  });

  it('refuses a different declaration of a name another workflow holds, with the reason', async () => {
    const registry = new Registry();
    const metrics = new CustomMetrics(registry);
    metrics.declare('ns/first', [counter]);
    const conflicts = metrics.declare('ns/second', [{ ...histogram, name: 'success_rate' }]);
    assert.equal(conflicts.length, 1);
    assert.match(
      conflicts[0]?.message ?? '',
      /^metric success_rate is already declared by workflow ns\/first as a counter with labels workflow, namespace, step, outcome; this workflow declares a histogram/,
    );
    metrics.record('ns/second', 'success_rate', 'histogram', { workflow: 'second' }, 1);
    metrics.record('ns/second', 'success_rate', 'counter', { workflow: 'second' }, 1);
    assert.doesNotMatch(await registry.metrics(), /second/);
  });

  it("refuses the controller's own metric names", () => {
    const registry = new Registry();
    new Counter({ name: 'conveyor_step_retries_total', help: 'x', registers: [registry] });
    const conflicts = new CustomMetrics(registry).declare('ns/a', [
      { ...counter, name: 'conveyor_step_retries_total' },
    ]);
    assert.match(conflicts[0]?.message ?? '', /one of the controller's own metrics/);
  });

  it('lets the only workflow declaring a metric change it in a newer version, and keeps older runs out of the way', async () => {
    const registry = new Registry();
    const metrics = new CustomMetrics(registry);
    metrics.declare('ns/a', [histogram], 100);
    const relabelled = { ...histogram, labelNames: ['workflow', 'namespace', 'step', 'region'] };
    assert.deepEqual(metrics.declare('ns/a', [relabelled], 200), []);
    // A run of the old version, still going: no replacement back, no conflict.
    assert.deepEqual(metrics.declare('ns/a', [histogram], 150), []);
    metrics.record(
      'ns/a',
      'deployment_duration',
      'histogram',
      { workflow: 'a', service: 'api', region: 'eu' },
      1,
    );
    const text = await registry.metrics();
    assert.match(text, /deployment_duration_count\{workflow="a",namespace="",step="",region="eu"\} 1/);
  });
});
