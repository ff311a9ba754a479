// Atomic groups: when a child fails, the succeeded children's rollback commands run newest first.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { phases, run } from './helpers/run.ts';
import { group, parallel, step, workflow } from './helpers/workflow.ts';

describe('atomic groups (saga undo)', () => {
  it('undoes the succeeded children in reverse order of completion, then fails the group', () => {
    const r = run(
      workflow([
        group(
          'deployment_execution',
          [
            step('db', { rollbackCommand: 'undo db' }),
            step('api', { rollbackCommand: 'undo api' }),
            step('web', { rollbackCommand: 'undo web' }),
          ],
          { atomic: true },
        ),
      ]),
      { script: { web: { exit: 1 } } },
    );
    assert.deepEqual(
      r.attempts.map((a) => `${a.purpose}:${a.command}`),
      ['main:run db', 'main:run api', 'main:run web', 'undo:undo api', 'undo:undo db'],
    );
    assert.deepEqual(
      r.attempts.map((a) => a.id),
      ['db-1', 'api-1', 'web-1', 'api-2', 'db-2'],
    );
    assert.equal(r.step('api').undone, 'Succeeded');
    assert.equal(r.step('deployment_execution').phase, 'Failed');
    assert.equal(r.state.phase, 'Failed');
  });

  it('stops the rest of a parallel atomic group and undoes by completion time, not document order', () => {
    const r = run(
      workflow(
        [
          parallel(
            'g',
            [
              step('slow', { rollbackCommand: 'undo slow' }),
              step('quick', { rollbackCommand: 'undo quick' }),
              step('bad'),
              step('never', { dependsOn: ['bad'], rollbackCommand: 'undo never' }),
              step('running', { rollbackCommand: 'undo running' }),
            ],
            { atomic: true },
          ),
          step('after'),
        ],
        { errorHandling: { strategy: 'continue_on_error' } },
      ),
      {
        script: {
          slow: { durationMs: 30 },
          quick: { durationMs: 10 },
          bad: { exit: 1, durationMs: 40 },
          running: { durationMs: 500 },
        },
      },
    );
    assert.deepEqual(
      r.attempts.filter((a) => a.purpose === 'undo').map((a) => a.step),
      ['slow', 'quick'],
    );
    assert.deepEqual(phases(r.plan, r.state, ['never', 'running', 'g', 'after']), {
      never: 'Skipped:GroupFailed',
      running: 'Cancelled:GroupFailed',
      g: 'Failed:ChildFailed',
      // continue_on_error is make -k: the next step of the sequence depends on the failed group.
      after: 'Skipped:DependencyFailed',
    });
  });

  it('runs undo even when the run is failing fast because of the same failure', () => {
    const r = run(
      workflow([
        group('g', [step('a', { rollbackCommand: 'undo a' }), step('b')], { atomic: true }),
        step('c'),
      ]),
      { script: { b: { exit: 1 } } },
    );
    assert.deepEqual(r.order('undo'), ['a']);
    assert.equal(r.step('c').phase, 'Skipped');
    assert.equal(r.step('c').reason, 'DependencyFailed');
  });

  it('leaves a non-atomic group alone', () => {
    const r = run(workflow([group('g', [step('a', { rollbackCommand: 'undo a' }), step('b')])]), {
      script: { b: { exit: 1 } },
    });
    assert.deepEqual(r.order('undo'), []);
  });

  it('records a failing undo and still fails the group', () => {
    const r = run(
      workflow([group('g', [step('a', { rollbackCommand: 'undo a' }), step('b')], { atomic: true })]),
      { script: { a: [{ exit: 0 }, { exit: 9 }], b: { exit: 1 } } },
    );
    assert.equal(r.step('a').undone, 'Failed');
    assert.equal(r.step('g').phase, 'Failed');
  });

  it('undoes an inner atomic group once, and the outer group the rest', () => {
    const r = run(
      workflow([
        group(
          'outer',
          [
            step('first', { rollbackCommand: 'undo first' }),
            group('inner', [step('x', { rollbackCommand: 'undo x' }), step('y')], { atomic: true }),
          ],
          { atomic: true },
        ),
      ]),
      { script: { y: { exit: 1 } } },
    );
    assert.deepEqual(r.order('undo'), ['x', 'first']);
  });
});
