// Order: sequences, parallel groups as DAGs, depends_on across groups, and priority.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { run } from './helpers/run.ts';
import { group, parallel, step, workflow } from './helpers/workflow.ts';

describe('ordering', () => {
  it('runs the top-level list one step after another', () => {
    const r = run(workflow([step('a'), step('b'), step('c')]));
    assert.deepEqual(r.order(), ['a', 'b', 'c']);
    assert.deepEqual(
      r.attempts.map((a) => [a.start, a.end]),
      [
        [0, 10],
        [10, 20],
        [20, 30],
      ],
    );
    assert.equal(r.state.phase, 'Succeeded');
  });

  it('runs a plain group in order and the next top-level step after the whole group', () => {
    const r = run(workflow([group('g', [step('a'), step('b')]), step('c')]));
    assert.deepEqual(r.order(), ['a', 'b', 'c']);
    assert.equal(r.main('c').start, 20);
    assert.equal(r.step('g').phase, 'Succeeded');
  });

  it('starts the children of a parallel group without depends_on at once', () => {
    const r = run(workflow([parallel('p', [step('a'), step('b'), step('c')])]));
    assert.deepEqual(
      r.attempts.map((a) => a.start),
      [0, 0, 0],
    );
  });

  it('follows depends_on inside a parallel group (the seed basic-deployment shape)', () => {
    const r = run(
      workflow([
        step('pre'),
        parallel('deploy', [
          step('api', { dependsOn: [] }),
          step('worker', { dependsOn: ['api'] }),
          step('scheduler', { dependsOn: ['api'] }),
        ]),
        step('post'),
      ]),
      { script: { api: { durationMs: 50 }, worker: { durationMs: 30 } } },
    );
    assert.equal(r.main('api').start, 10);
    assert.equal(r.main('worker').start, 60);
    assert.equal(r.main('scheduler').start, 60);
    assert.equal(r.main('post').start, 90);
  });

  it('treats depends_on a group as depending on all of it, across groups', () => {
    const r = run(
      workflow([
        parallel('db', [step('backup'), step('vacuum')]),
        parallel('svc', [step('update'), step('restart', { dependsOn: ['update'] })], { dependsOn: ['db'] }),
      ]),
      { script: { backup: { durationMs: 40 }, vacuum: { durationMs: 5 } } },
    );
    assert.equal(r.main('update').start, 40);
    assert.equal(r.main('restart').start, 50);
  });

  it('lets a step in one parallel group wait for a step in another', () => {
    const r = run(
      workflow([
        parallel('outer', [
          parallel('left', [step('slow')]),
          parallel('right', [step('fast'), step('after', { dependsOn: ['slow'] })]),
        ]),
      ]),
      { script: { slow: { durationMs: 100 } } },
    );
    assert.equal(r.main('fast').start, 0);
    assert.equal(r.main('after').start, 100);
  });

  it('starts ready steps by priority (1 first), then those without one in document order', () => {
    const r = run(
      workflow(
        [
          parallel('p', [
            step('none1'),
            step('three', { priority: 3 }),
            step('one', { priority: 1 }),
            step('none2'),
            step('two', { priority: 2 }),
          ]),
        ],
        { resourceLimits: { maxParallel: 1 } },
      ),
    );
    assert.deepEqual(r.order(), ['one', 'two', 'three', 'none1', 'none2']);
  });

  it('orders the seed parallel-operations database group by priority under its limit', () => {
    const r = run(
      workflow([
        parallel(
          'database_operations',
          [
            step('backup_primary', { priority: 1 }),
            step('backup_replicas', { priority: 2, dependsOn: ['backup_primary'] }),
            step('analyze_tables', { priority: 3 }),
            step('vacuum_database', { priority: 3, dependsOn: ['analyze_tables'] }),
          ],
          { parallelLimit: 3 },
        ),
        parallel(
          'service_updates',
          [
            step('update_api_configs'),
            step('update_worker_configs'),
            step('restart_services', { dependsOn: ['update_api_configs', 'update_worker_configs'] }),
          ],
          { dependsOn: ['database_operations'] },
        ),
      ]),
    );
    assert.deepEqual(r.order().slice(0, 2), ['backup_primary', 'analyze_tables']);
    assert.equal(r.main('update_api_configs').start, 20);
    assert.equal(r.main('restart_services').start, 30);
    assert.equal(r.state.phase, 'Succeeded');
  });

  it('runs an empty group as an immediate success', () => {
    const r = run(workflow([step('a'), group('empty', []), step('b')]));
    assert.equal(r.step('empty').phase, 'Succeeded');
    assert.deepEqual(r.order(), ['a', 'b']);
  });

  it('finishes a workflow without steps at once', () => {
    const r = run(workflow([]));
    assert.equal(r.state.phase, 'Succeeded');
    assert.equal(r.decideCalls, 1);
  });
});
