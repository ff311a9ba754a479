// monitoring.alerts over a run: the values conditions see, firing once, and when to look again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALERT_RECHECK_MS, alertValues, evaluateAlerts } from '../../../src/engine/alerts.ts';
import type { RunState } from '../../../src/engine/types.ts';
import { run } from './helpers/run.ts';
import { workflowFrom } from './observability-helpers.ts';

const slow = workflowFrom(`
name: slow
monitoring:
  metrics: [deployment_duration, success_rate, rollback_count]
  alerts:
    - condition: "run_duration > 1"
      severity: critical
    - name: failures
      condition: "failed_steps > 0"
      message: "{{ .failed_steps }} step(s) failed, success rate {{ .success_rate }}"
steps:
  - name: sleep
    command: sleep 2
  - name: after
    command: "true"
`);

describe('alert values', () => {
  it('counts steps, retries and rollbacks, and measures durations in seconds', () => {
    const wf = workflowFrom(`
name: counted
error_handling: { strategy: continue_on_error }
rollback:
  steps: [{ name: undo, command: "true" }]
steps:
  - { name: ok, command: "true" }
  - { name: flaky, command: "x", retry: { attempts: 3, delay: 1s } }
  - { name: broken, command: "false" }
`);
    const result = run(wf, {
      script: {
        flaky: [
          { exit: 1, durationMs: 500 },
          { exit: 0, durationMs: 500 },
        ],
        broken: { exit: 1 },
      },
      defaultDurationMs: 1000,
    });
    const values = alertValues(result.plan, result.state, result.end);
    assert.equal(values.failed_steps, 1);
    assert.equal(values.succeeded_steps, 2);
    assert.equal(values.finished_steps, 3);
    assert.equal(values.total_steps, 3);
    assert.equal(values.retries, 1);
    assert.equal(values.success_rate, 2 / 3);
    assert.equal(values.rollback_count, 1);
    assert.equal(values.phase, 'Failed');
    assert.equal(values.finished, true);
    const state = result.state;
    assert.equal(values.deployment_duration, ((state.finishedAt ?? 0) - (state.startedAt ?? 0)) / 1000);
    assert.equal(values.run_duration, values.deployment_duration);
    assert.equal((values.steps as Record<string, { attempts: number }>).flaky?.attempts, 2);
  });

  it('gives custom metrics the value this run fed them', () => {
    const wf = workflowFrom(`
name: with-metrics
metrics:
  custom_metrics:
    - { name: deploy_seconds, type: histogram }
    - { name: last_deploy_seconds, type: gauge }
    - { name: deploys, type: counter }
steps:
  - { name: a, command: "true", metrics: { track_duration: true, track_success: true } }
  - { name: b, command: "true", metrics: { track_duration: true } }
`);
    const result = run(wf, { script: { a: { durationMs: 2000 }, b: { durationMs: 3000 } } });
    const values = alertValues(result.plan, result.state, result.end);
    assert.equal(values.deploy_seconds, 5);
    assert.equal(values.last_deploy_seconds, 3);
    assert.equal(values.deploys, 1);
  });
});

describe('alert evaluation', () => {
  it('fires a duration alert once the run has taken longer, and says when to look again before', () => {
    let early: RunState | undefined;
    const result = run(slow, {
      script: { sleep: { durationMs: 2000 }, after: { durationMs: 100 } },
      check: (state) => {
        if (state.stage === 'steps' && state.startedAt !== undefined) early ??= state;
      },
    });
    assert.ok(early, 'a state while the run was going on');
    const first = early;
    const start = first.startedAt ?? 0;
    const before = evaluateAlerts(result.plan, first, start + 500, new Set());
    assert.deepEqual(before.fired, []);
    assert.equal(before.nextCheckAt, start + 1001, 'exactly when run_duration passes 1');
    const during = evaluateAlerts(result.plan, first, start + 1001, new Set());
    assert.deepEqual(
      during.fired.map((a) => [a.name, a.severity, a.firedAt]),
      [['run_duration > 1', 'critical', start + 1001]],
    );
    assert.match(during.fired[0]?.message ?? '', /run_duration = 1\.001/);
    const again = evaluateAlerts(result.plan, first, start + 5000, new Set(['run_duration > 1']));
    assert.deepEqual(again.fired, []);
  });

  it('evaluates after the run with its final values and then never asks to look again', () => {
    const result = run(slow, { script: { sleep: { durationMs: 2000 } } });
    const after = evaluateAlerts(
      result.plan,
      result.state,
      result.end + 60_000,
      new Set(['run_duration > 1']),
    );
    assert.deepEqual(after.fired, []);
    assert.equal(after.nextCheckAt, undefined);
  });

  it('renders the message template over the same values', () => {
    const result = run(slow, { script: { sleep: { exit: 1 } } });
    const evaluation = evaluateAlerts(result.plan, result.state, result.end, new Set(['run_duration > 1']));
    assert.deepEqual(
      evaluation.fired.map((a) => a.message),
      ['1 step(s) failed, success rate 0'],
    );
  });

  it('looks again at least every 30 s for a threshold a long way off', () => {
    const wf = workflowFrom(`
name: long
monitoring:
  alerts: [{ condition: "deployment_duration > 1800" }]
steps: [{ name: a, command: "true" }]
`);
    const result = run(wf, { script: { a: { durationMs: 10 } }, check: () => undefined });
    const running = {
      ...result.state,
      stage: 'steps' as const,
      finishedAt: undefined,
      phase: 'Running' as const,
    };
    const start = running.startedAt ?? 0;
    const early = evaluateAlerts(result.plan, running, start + 1000, new Set());
    assert.equal(early.nextCheckAt, start + 1000 + ALERT_RECHECK_MS);
    const late = evaluateAlerts(result.plan, running, start + 1_790_000, new Set());
    assert.equal(late.nextCheckAt, start + 1_800_001);
    assert.equal(evaluateAlerts(result.plan, running, start + 1_800_001, new Set()).fired.length, 1);
  });

  it('reports a condition that cannot be evaluated instead of firing it', () => {
    const wf = workflowFrom(`
name: odd
monitoring:
  alerts: [{ condition: "phase > 3" }]
steps: [{ name: a, command: "true" }]
`);
    const result = run(wf);
    const evaluation = evaluateAlerts(result.plan, result.state, result.end, new Set());
    assert.deepEqual(evaluation.fired, []);
    assert.equal(evaluation.problems.length, 1);
    assert.match(evaluation.problems[0]?.message ?? '', /phase > 3/);
  });
});
