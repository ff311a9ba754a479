// What tracked steps feed into custom metrics: outcome, duration and labels, each step once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newStepMetricSamples, stepMetricSamples } from '../../../src/engine/step-metrics.ts';
import { createRunState } from '../../../src/engine/state.ts';
import type { RunState } from '../../../src/engine/types.ts';
import { run } from './helpers/run.ts';
import { workflowFrom } from './observability-helpers.ts';

const tracked = workflowFrom(`
name: tracked
parameters:
  - { name: environment, default: staging }
  - { name: region, default: eu-west-1 }
error_handling: { strategy: continue_on_error }
metrics:
  custom_metrics:
    - { name: deploy_seconds, type: histogram, labels: [region] }
steps:
  - name: deploy_api
    command: "true"
    metrics:
      track_duration: true
      track_success: true
      custom_labels: { service: api, env: "{{ .environment }}" }
  - name: deploy_worker
    command: "false"
    metrics: { track_success: true, custom_labels: { service: worker } }
  - name: untracked
    command: "true"
`);

describe('step metric samples', () => {
  it('gives every finished tracked step its outcome, duration in seconds and labels', () => {
    const result = run(
      tracked,
      { script: { deploy_api: { durationMs: 2500 }, deploy_worker: { exit: 1, durationMs: 100 } } },
      { context: { environment: 'production', region: 'eu-west-1' } },
    );
    const samples = stepMetricSamples(result.plan, result.state);
    assert.deepEqual(
      samples.map((s) => [s.step, s.outcome, s.seconds, s.trackDuration, s.trackSuccess, s.labels]),
      [
        [
          'deploy_api',
          'success',
          2.5,
          true,
          true,
          { region: 'eu-west-1', service: 'api', env: 'production' },
        ],
        ['deploy_worker', 'failure', 0.1, false, true, { region: 'eu-west-1', service: 'worker' }],
      ],
    );
  });

  it('reports a step once: only what a decision added', () => {
    let middle: RunState | undefined;
    const result = run(
      tracked,
      {
        script: { deploy_api: { durationMs: 1000 }, deploy_worker: { exit: 1, durationMs: 1000 } },
        check: (state) => {
          if (!middle && stepMetricSamples(result0(), state).length === 1) middle = state;
        },
      },
      { context: { environment: 'staging' } },
    );
    const initial = createRunState(result.plan, { runId: 'r', context: {} }, 0);
    assert.ok(middle);
    assert.deepEqual(
      newStepMetricSamples(result.plan, initial, middle).map((s) => s.step),
      ['deploy_api'],
    );
    assert.deepEqual(
      newStepMetricSamples(result.plan, middle, result.state).map((s) => s.step),
      ['deploy_worker'],
    );
    assert.deepEqual(newStepMetricSamples(result.plan, result.state, result.state), []);
  });
});

let plan0: ReturnType<typeof run>['plan'] | undefined;
function result0(): NonNullable<typeof plan0> {
  plan0 ??= run(tracked).plan;
  return plan0;
}
