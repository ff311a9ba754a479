// Validation of monitoring.alerts, metrics.custom_metrics and step tracking: located errors with a
// did-you-mean, and warnings for tracking nothing records.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatDiagnostic } from '../../../src/spec/diagnostics.ts';
import { loadWorkflow } from '../../../src/spec/load.ts';
import { customMetricLabelNames, customMetrics } from '../../../src/spec/observability.ts';

function problems(yaml: string): string[] {
  return loadWorkflow(yaml, 'wf.yaml').diagnostics.map(formatDiagnostic);
}

describe('monitoring and metrics validation', () => {
  it('accepts the seed workflows that use them', () => {
    for (const file of ['advanced-deployment.yaml', 'with-metrics.yaml', 'best-practice-example.yaml']) {
      const loaded = loadWorkflow(readFileSync(join('examples', file), 'utf8'), file);
      assert.ok(loaded.workflow, loaded.diagnostics.map(formatDiagnostic).join('\n'));
    }
  });

  it('points at an unknown name in an alert condition and suggests the right one', () => {
    assert.deepEqual(
      problems(`name: wf
steps: [{ name: a, command: "true" }]
monitoring:
  alerts:
    - condition: "deploymnet_duration > 1800"
`).filter((p) => !p.includes('warning')),
      [
        "wf.yaml:5:19: monitoring.alerts[0].condition: unknown name 'deploymnet_duration' (did you mean 'deployment_duration'?); alerts can use duration, run_duration, deployment_duration, success_rate, rollback_count, ..., the custom metrics and the parameters",
      ],
    );
  });

  it('reports a syntax error in a condition where it is', () => {
    const found = problems(`name: wf
steps: [{ name: a, command: "true" }]
monitoring:
  alerts:
    - condition: "failed_steps >> 1"
`);
    assert.equal(found.length, 1);
    assert.match(found[0] ?? '', /^wf\.yaml:5:3[23]: monitoring\.alerts\[0\]\.condition: /);
  });

  it('lets conditions use custom metrics and parameters, and messages the same values', () => {
    assert.deepEqual(
      problems(`name: wf
parameters: [{ name: max_seconds, type: integer, default: 60 }]
metrics:
  custom_metrics: [{ name: deploy_seconds, type: histogram }]
steps: [{ name: a, command: "true", metrics: { track_duration: true } }]
monitoring:
  alerts:
    - condition: "deploy_seconds > max_seconds"
      message: "deploys took {{ .deploy_secnds }}s"
`),
      [
        "wf.yaml:9:33: monitoring.alerts[0].message: unknown name 'deploy_secnds' (did you mean 'deploy_seconds'?); alerts can use duration, run_duration, deployment_duration, success_rate, rollback_count, ..., the custom metrics and the parameters",
      ],
    );
  });

  it('refuses label names Prometheus refuses or Conveyor sets, and duplicate metrics and alerts', () => {
    const found = problems(`name: wf
metrics:
  custom_metrics:
    - { name: m, type: counter, labels: [step] }
    - { name: m, type: gauge, labels: ["bad-label"] }
    - { name: h, type: histogram, buckets: [1, 5, 2] }
steps:
  - name: a
    command: "true"
    metrics: { track_success: true, track_duration: true, custom_labels: { outcome: x } }
monitoring:
  alerts:
    - { condition: "failed_steps > 0" }
    - { condition: "failed_steps > 0" }
`);
    assert.deepEqual(found, [
      "wf.yaml:4:42: metrics.custom_metrics[0].labels[0]: label 'step' is set by Conveyor (reserved: workflow, namespace, step, outcome, le, quantile); choose another name",
      "wf.yaml:5:15: metrics.custom_metrics[1].name: metric 'm' is already declared at metrics.custom_metrics[0]",
      "wf.yaml:5:41: metrics.custom_metrics[1].labels[0]: 'bad-label' is not a Prometheus label name (letters, digits and '_', not starting with a digit or '__')",
      'wf.yaml:6:44: metrics.custom_metrics[2].buckets: buckets must be in increasing order',
      "wf.yaml:10:85: steps[0].metrics.custom_labels.outcome: label 'outcome' is set by Conveyor; choose another name",
      "wf.yaml:14:7: monitoring.alerts[1].name: alert 'failed_steps > 0' is already defined at monitoring.alerts[0]; give one of them a different name",
    ]);
  });

  it('warns about tracking that no metric records, and unknown monitored metrics', () => {
    assert.deepEqual(
      problems(`name: wf
steps:
  - name: a
    command: "true"
    metrics: { track_duration: true, track_success: true }
monitoring:
  metrics: [deployment_duration, sucess_rate]
`),
      [
        'wf.yaml:5:32: warning: steps[0].metrics.track_duration: nothing records this duration: declare a histogram, summary or gauge in metrics.custom_metrics',
        'wf.yaml:5:53: warning: steps[0].metrics.track_success: nothing counts this outcome: declare a counter in metrics.custom_metrics',
        "wf.yaml:7:34: warning: monitoring.metrics[1]: 'sucess_rate' is neither a run value (duration, run_duration, deployment_duration, success_rate, rollback_count, failed_steps, ...) nor a custom metric (did you mean 'success_rate'?)",
      ],
    );
  });

  it('gives a custom metric its standard labels, declared labels, the custom labels of steps that feed it, and outcome for counters', () => {
    const loaded = loadWorkflow(
      `name: wf
metrics:
  custom_metrics:
    - { name: seconds, type: histogram, labels: [team] }
    - { name: outcomes, type: counter }
steps:
  - { name: a, command: "true", metrics: { track_duration: true, custom_labels: { service: api } } }
  - { name: b, command: "true", metrics: { track_success: true, custom_labels: { region: eu } } }
`,
      'wf.yaml',
    );
    assert.ok(loaded.workflow);
    const [seconds, outcomes] = customMetrics(loaded.workflow);
    assert.deepEqual(customMetricLabelNames(loaded.workflow, seconds!), [
      'workflow',
      'namespace',
      'step',
      'team',
      'service',
    ]);
    assert.deepEqual(customMetricLabelNames(loaded.workflow, outcomes!), [
      'workflow',
      'namespace',
      'step',
      'region',
      'outcome',
    ]);
  });
});
