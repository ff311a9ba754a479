// The run's life: prerequisites, cancellation, run timeout, resume, progress, and the contract
// itself (pure, idempotent, deterministic, replayable from saved state).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide } from '../../../src/engine/decide.ts';
import { prepareResume } from '../../../src/engine/resume.ts';
import { summarizeProgress } from '../../../src/engine/progress.ts';
import type { RunState } from '../../../src/engine/types.ts';
import { simulate } from './helpers/simulator.ts';
import { newRun, phases, run, withLookups } from './helpers/run.ts';
import { group, parallel, step, workflow } from './helpers/workflow.ts';

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

describe('prerequisites', () => {
  it('runs prerequisites one after another before the steps', () => {
    const r = run(
      workflow([step('deploy')], { prerequisites: [step('kubectl_access'), step('recent_backup')] }),
    );
    assert.deepEqual(
      r.attempts.map((a) => `${a.purpose}:${a.step}@${a.start}`),
      ['prerequisite:kubectl_access@0', 'prerequisite:recent_backup@10', 'main:deploy@20'],
    );
  });

  it('fails the run with PrerequisiteFailed when one fails, runs nothing else and no hooks', () => {
    const r = run(
      workflow([step('deploy')], {
        prerequisites: [step('kubectl_access'), step('recent_backup')],
        onFailure: [step('page')],
        rollback: { enabled: true, automatic: true, conditions: [], steps: [step('rb')] },
      }),
      { script: { kubectl_access: { exit: 1 } } },
    );
    assert.deepEqual(r.order(), ['kubectl_access']);
    assert.equal(r.state.phase, 'Failed');
    assert.equal(r.state.reason, 'PrerequisiteFailed');
    assert.equal(r.state.message, "prerequisite 'kubectl_access' failed: exit code 1");
    assert.deepEqual(phases(r.plan, r.state, ['deploy', 'recent_backup']), {
      deploy: 'Skipped:PrerequisiteFailed',
      recent_backup: 'Skipped:NotTriggered',
    });
  });
});

describe('cancellation', () => {
  it('cancels running attempts, ends the rest Cancelled and runs no failure hooks', () => {
    const r = run(
      workflow([parallel('p', [step('a'), step('b', { dependsOn: ['a'] }), step('c')]), step('d')], {
        onFailure: [step('page')],
        postExecution: { success: [], failure: [step('debug')] },
      }),
      {
        script: { a: { durationMs: 100 }, c: { durationMs: 100 } },
        inject: [{ at: 50, observation: { kind: 'cancelRequested', user: 'alice' } }],
        cancelDelayMs: 3,
      },
    );
    assert.deepEqual(
      r.actions
        .filter((a) => a.action.kind === 'cancelAttempt')
        .map((a) => (a.action as { attemptId: string }).attemptId),
      ['a-1', 'c-1'],
    );
    assert.deepEqual(phases(r.plan, r.state, ['a', 'b', 'c', 'd', 'p']), {
      a: 'Cancelled:Cancelled',
      b: 'Cancelled:Cancelled',
      c: 'Cancelled:Cancelled',
      d: 'Cancelled:Cancelled',
      p: 'Cancelled:Cancelled',
    });
    assert.deepEqual(r.order(), ['a', 'c']);
    assert.equal(r.state.phase, 'Cancelled');
    assert.equal(r.state.message, 'cancelled by alice');
    assert.equal(r.end, 53);
    assert.deepEqual(r.actions.at(-2)?.action, {
      kind: 'finishRun',
      phase: 'Cancelled',
      reason: 'Cancelled',
      message: 'cancelled by alice',
    });
  });

  it('cancels a run that waits for approval', () => {
    const r = run(workflow([step('gate', { manualApproval: true })]), {
      inject: [{ at: 500, observation: { kind: 'cancelRequested' } }],
    });
    assert.equal(r.state.phase, 'Cancelled');
    assert.equal(r.step('gate').phase, 'Cancelled');
  });

  it('stops the finalisation hooks on cancel but keeps the decided outcome', () => {
    const r = run(workflow([step('a')], { onSuccess: [step('slow_hook'), step('next_hook')] }), {
      script: { slow_hook: { durationMs: 1000 } },
      inject: [{ at: 100, observation: { kind: 'cancelRequested' } }],
    });
    assert.deepEqual(r.order(), ['a', 'slow_hook']);
    assert.equal(r.state.phase, 'Succeeded');
    assert.equal(r.step('slow_hook').phase, 'Cancelled');
    assert.equal(r.step('next_hook').reason, 'NotTriggered');
  });

  it('ignores a cancel request after the run finished', () => {
    const r = run(workflow([step('a')]), { inject: [{ at: 100, observation: { kind: 'cancelRequested' } }] });
    assert.equal(r.state.phase, 'Succeeded');
  });
});

describe('run timeout', () => {
  it('cancels what runs, raises deployment_timeout, and fails the run through its failure hooks', () => {
    const r = run(
      workflow([step('a'), step('slow'), step('never')], {
        timeoutMs: 100,
        rollback: { enabled: true, automatic: true, conditions: ['deployment_timeout'], steps: [step('rb')] },
      }),
      { script: { slow: { durationMs: 1000 } } },
    );
    assert.deepEqual(phases(r.plan, r.state, ['a', 'slow', 'never']), {
      a: 'Succeeded',
      slow: 'Cancelled:RunTimedOut',
      never: 'Skipped:RunFailed',
    });
    assert.deepEqual(r.state.raised, ['deployment_timeout']);
    assert.equal(r.state.reason, 'DeadlineExceeded');
    assert.equal(r.state.message, 'the run did not finish within its timeout of 100ms');
    assert.deepEqual(r.order(), ['a', 'slow', 'rb']);
    assert.equal(r.startsOf('rb')[0]?.start, 100);
  });

  it('says the run timeout as the CLI writes durations (1h30m, not 90m)', () => {
    const r = run(workflow([step('slow')], { timeoutMs: 5_400_000 }), {
      script: { slow: { durationMs: 6_000_000 } },
    });
    assert.equal(r.state.message, 'the run did not finish within its timeout of 1h30m');
  });

  it('takes the run option over the workflow timeout', () => {
    const r = run(
      workflow([step('slow')], { timeoutMs: 100 }),
      { script: { slow: { durationMs: 150 } } },
      { options: { timeoutMs: 1000 } },
    );
    assert.equal(r.state.phase, 'Succeeded');
    assert.equal(r.state.deadline, 1000);
  });
});

describe('resume', () => {
  it('keeps succeeded steps and outputs and re-runs the failed one with fresh attempt ids', () => {
    const wf = workflow([
      step('version', { captureOutput: 'version' }),
      step('migrate', { command: 'migrate {{ .outputs.version }}' }),
      step('deploy'),
    ]);
    const { plan, state } = newRun(wf);
    const failed = simulate(plan, state, { script: { version: { output: 'v7' }, migrate: { exit: 1 } } });
    assert.equal(failed.state.phase, 'Failed');
    const saved = JSON.parse(JSON.stringify(failed.state)) as RunState;
    const resumed = prepareResume(plan, saved, 10_000);
    assert.equal(resumed.phase, 'Pending');
    assert.deepEqual(resumed.outputs, { version: 'v7' });
    const r = withLookups(plan, simulate(plan, resumed, { start: 10_000 }));
    assert.deepEqual(
      r.attempts.map((a) => `${a.id}@${a.start}:${a.command}`),
      ['migrate-2@10000:migrate v7', 'deploy-1@10010:run deploy'],
    );
    assert.equal(r.state.phase, 'Succeeded');
    assert.equal(r.step('migrate').history.length, 2);
  });

  it('resets skipped and cancelled steps too, and gives retries a fresh budget', () => {
    const wf = workflow([
      step('a'),
      step('b', { retry: { attempts: 2, delayMs: 5, backoff: 'constant' } }),
      step('c'),
    ]);
    const { plan, state } = newRun(wf);
    const failed = simulate(plan, state, { script: { b: { exit: 1 } } });
    assert.deepEqual(phases(plan, failed.state, ['a', 'b', 'c']), {
      a: 'Succeeded',
      b: 'Failed:ExitCode',
      c: 'Skipped:DependencyFailed',
    });
    const r = withLookups(
      plan,
      simulate(plan, prepareResume(plan, failed.state, 1000), {
        start: 1000,
        script: { b: [{ exit: 1 }, { exit: 0 }] },
      }),
    );
    assert.deepEqual(r.order(), ['b', 'b', 'c']);
    assert.equal(r.state.phase, 'Succeeded');
  });

  it('resumes a run of another step count by step name: kept steps stay done, new steps run', () => {
    const before = newRun(workflow([step('a'), step('b')]));
    const failed = simulate(before.plan, before.state, { script: { b: { exit: 1 } } });
    const after = newRun(workflow([step('z'), step('a'), step('b'), step('c')]));
    const r = withLookups(
      after.plan,
      simulate(after.plan, prepareResume(after.plan, failed.state, 1000), { start: 1000 }),
    );
    assert.deepEqual(r.order(), ['z', 'b', 'c']);
    assert.equal(r.state.phase, 'Succeeded');
    const b = r.state.steps[after.plan.byName.get('b') as number];
    assert.deepEqual(
      b?.history.map((h) => h.attempt),
      [1, 2],
    );
  });

  it('re-runs steps that an atomic group undid', () => {
    const wf = workflow([
      group('g', [step('x', { rollbackCommand: 'undo x' }), step('y')], { atomic: true }),
    ]);
    const { plan, state } = newRun(wf);
    const failed = simulate(plan, state, { script: { y: { exit: 1 } } });
    const r = simulate(plan, prepareResume(plan, failed.state, 100), { start: 100 });
    assert.deepEqual(r.order(), ['x', 'y']);
  });

  it('lets a resume lower the parallelism', () => {
    const wf = workflow([parallel('p', [step('a'), step('b')])]);
    const { plan, state } = newRun(wf);
    const resumed = prepareResume(plan, state, 0, { maxParallel: 1 });
    assert.equal(resumed.limits.maxParallel, 1);
  });
});

describe('progress', () => {
  it('summarises the main leaves', () => {
    const { plan, state } = newRun(
      workflow([group('g', [step('a'), step('b')]), step('c', { manualApproval: true }), step('d')]),
    );
    const r = simulate(plan, state);
    assert.deepEqual(summarizeProgress(plan, r.state), {
      done: 2,
      total: 4,
      percent: 50,
      running: 0,
      failed: 0,
      awaitingApproval: 1,
    });
    assert.deepEqual(summarizeProgress(plan, state), {
      done: 0,
      total: 4,
      percent: 0,
      running: 0,
      failed: 0,
      awaitingApproval: 0,
    });
  });
});

describe('the decide contract', () => {
  it('never mutates the state it is given', () => {
    const { plan, state } = newRun(
      workflow([parallel('p', [step('a'), step('b', { captureOutput: 'o' })]), step('c')]),
    );
    let current = deepFreeze(state);
    let now = 0;
    for (let k = 0; k < 5; k++) {
      const before = JSON.stringify(current);
      const d = decide(
        plan,
        current,
        k === 0
          ? []
          : [
              { kind: 'attemptFinished', step: 'a', attempt: 1, exitCode: 0 },
              { kind: 'attemptFinished', step: 'b', attempt: 1, exitCode: 0, output: 'x' },
              { kind: 'attemptFinished', step: 'c', attempt: 1, exitCode: 0 },
            ],
        now,
      );
      assert.equal(JSON.stringify(current), before);
      current = deepFreeze(d.state);
      now += 10;
    }
    assert.equal(current.phase, 'Succeeded');
  });

  it('never starts the same attempt twice when called again with nothing new', () => {
    const { plan, state } = newRun(workflow([parallel('p', [step('a'), step('b')])]));
    const first = decide(plan, state, [], 0);
    assert.equal(first.actions.filter((a) => a.kind === 'startAttempt').length, 2);
    const again = decide(plan, first.state, [], 5);
    assert.deepEqual(again.actions, []);
    const replay = decide(plan, JSON.parse(JSON.stringify(first.state)) as RunState, [], 5);
    assert.deepEqual(replay.actions, []);
  });

  it('ignores duplicate and stale attempt reports', () => {
    const { plan, state } = newRun(
      workflow([step('a', { retry: { attempts: 2, delayMs: 0, backoff: 'constant' } }), step('b')]),
    );
    const s1 = decide(plan, state, [], 0).state;
    const fail = { kind: 'attemptFinished', step: 'a', attempt: 1, exitCode: 1 } as const;
    const s2 = decide(plan, s1, [fail], 10);
    const s3 = decide(plan, s2.state, [fail, { ...fail, attempt: 7 }, { ...fail, step: 'nope' }], 11);
    assert.deepEqual(s3.actions, []);
    assert.equal(s3.state.steps[0]?.current, 2);
  });

  it('records when the executor really started an attempt and its handle', () => {
    const { plan, state } = newRun(workflow([step('a')]));
    const s1 = decide(plan, state, [], 0).state;
    const s2 = decide(
      plan,
      s1,
      [{ kind: 'attemptStarted', step: 'a', attempt: 1, at: 3, handle: 'run-1-a-1' }],
      3,
    ).state;
    assert.deepEqual(s2.steps[0]?.history[0], {
      id: 'a-1',
      attempt: 1,
      purpose: 'main',
      requestedAt: 0,
      startedAt: 3,
      handle: 'run-1-a-1',
    });
  });

  it('gives the same decisions for the same inputs, whether or not the state was reloaded in between', () => {
    const wf = workflow(
      [
        step('pre', { captureOutput: 'pre' }),
        parallel(
          'p',
          [
            step('a', { retry: { attempts: 3, delayMs: 100, backoff: 'exponential' } }),
            step('b', { priority: 1, resources: { cpuMillis: 500 } }),
            step('c', { dependsOn: ['a'], when: "{{ .outputs.pre == 'go' }}" }),
            step('d', { manualApproval: true }),
          ],
          { parallelLimit: 2 },
        ),
      ],
      { resourceLimits: { cpuMillis: 1000 } },
    );
    const script = { pre: { output: 'go' }, a: [{ exit: 1 }, { exit: 0 }], b: { durationMs: 300 } };
    const inject = [
      {
        at: 400,
        observation: { kind: 'approvalDecided', step: 'd', user: 'u', decision: 'approved', at: 400 },
      } as const,
    ];
    const { plan, state } = newRun(wf);
    const one = simulate(plan, state, { script, inject });
    const two = simulate(plan, state, { script, inject });
    const reloaded = simulate(plan, state, { script, inject, roundTrip: true });
    assert.deepEqual(two.actions, one.actions);
    assert.deepEqual(two.state, one.state);
    assert.deepEqual(reloaded.actions, one.actions);
    assert.deepEqual(reloaded.state, JSON.parse(JSON.stringify(one.state)));
    assert.equal(one.state.phase, 'Succeeded');
  });

  it('rejects a state of an unknown schema version', () => {
    const { plan, state } = newRun(workflow([step('a')]));
    assert.throws(
      () => decide(plan, { ...state, schemaVersion: 99 } as unknown as RunState, [], 0),
      /schema version 99/,
    );
  });
});
