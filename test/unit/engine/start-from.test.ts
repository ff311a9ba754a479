// `retry --from STEP`: a fresh run whose steps before STEP count as done, with their outputs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startFromStep, stepsBefore } from '../../../src/engine/index.ts';
import { simulate } from './helpers/simulator.ts';
import { newRun, phases, withLookups } from './helpers/run.ts';
import { group, parallel, step, workflow } from './helpers/workflow.ts';

const WF = workflow([
  step('build', { captureOutput: 'image' }),
  group('release', [
    step('migrate'),
    parallel('deploy', [step('api'), step('web'), step('smoke', { dependsOn: ['api'] })]),
  ]),
  step('announce'),
]);

describe('starting a run at a step', () => {
  it('counts what the step waits for as done: predecessors, those of its groups, and their contents', () => {
    const { plan } = newRun(WF);
    const names = (i: number[]) => i.map((n) => plan.nodes[n]?.name);
    assert.deepEqual(names(stepsBefore(plan, plan.byName.get('smoke') as number)), [
      'build',
      'migrate',
      'api',
    ]);
    assert.deepEqual(names(stepsBefore(plan, plan.byName.get('announce') as number)), [
      'build',
      'release',
      'migrate',
      'deploy',
      'api',
      'web',
      'smoke',
    ]);
    assert.deepEqual(names(stepsBefore(plan, plan.byName.get('build') as number)), []);
  });

  it('runs the step, what follows it and what does not wait for it; carries the earlier outputs over', () => {
    const { plan, state: previous } = newRun(WF, { runId: 'first' });
    const { state: fresh } = newRun(WF, { runId: 'second' });
    const started = startFromStep(plan, fresh, { ...previous, outputs: { image: 'app:v7' } }, 'deploy');
    assert.ok(started);
    const r = withLookups(plan, simulate(plan, started));
    assert.deepEqual(r.order(), ['api', 'web', 'smoke', 'announce']);
    assert.deepEqual(phases(plan, r.state, ['build', 'migrate', 'deploy', 'release', 'announce']), {
      build: 'Skipped:BeforeRetryFrom',
      migrate: 'Skipped:BeforeRetryFrom',
      deploy: 'Succeeded',
      release: 'Succeeded',
      announce: 'Succeeded',
    });
    assert.equal(r.state.phase, 'Succeeded');
    assert.equal(r.state.outputs.image, 'app:v7');
  });

  it('refuses a step the plan does not have among its main steps', () => {
    const { plan, state } = newRun(WF);
    assert.equal(startFromStep(plan, state, state, 'nope'), undefined);
  });
});
