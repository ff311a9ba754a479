// The plan: graph edges, budget scopes, retry policies and hook lists precomputed from the workflow.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildPlan, PlanError } from '../../../src/engine/plan.ts';
import type { Plan } from '../../../src/engine/types.ts';
import { group, parallel, step, workflow } from './helpers/workflow.ts';

function preds(plan: Plan, name: string): string[] {
  const node = plan.nodes[plan.byName.get(name) as number];
  return (node?.predecessors ?? []).map((p) => plan.nodes[p]?.name as string);
}

describe('buildPlan', () => {
  it('links a sequence to the previous sibling and a parallel group by depends_on only', () => {
    const plan = buildPlan(
      workflow([
        step('a'),
        parallel('p', [step('b'), step('c', { dependsOn: ['b'] })]),
        group('g', [step('d'), step('e')]),
      ]),
    );
    assert.deepEqual(preds(plan, 'p'), ['a']);
    assert.deepEqual(preds(plan, 'b'), []);
    assert.deepEqual(preds(plan, 'c'), ['b']);
    assert.deepEqual(preds(plan, 'g'), ['p']);
    assert.deepEqual(preds(plan, 'e'), ['d']);
    assert.equal(plan.mainLeafCount, 5);
    assert.deepEqual(
      plan.roots.map((r) => plan.nodes[r]?.name),
      ['a', 'p', 'g'],
    );
  });

  it('makes a step wait for the producer of an output its condition or command reads', () => {
    const plan = buildPlan(
      workflow([
        parallel('p', [
          step('reader', { when: '{{ .outputs.status }}' }),
          step('user', { command: 'echo {{ index .outputs "status" }}' }),
          step('producer', { captureOutput: 'status' }),
        ]),
      ]),
    );
    assert.deepEqual(preds(plan, 'reader'), ['producer']);
    assert.deepEqual(preds(plan, 'user'), ['producer']);
  });

  it('drops an output edge that would close a cycle: the written order wins', () => {
    const plan = buildPlan(
      workflow([
        step('reader', { when: '{{ .outputs.status }}' }),
        step('producer', { captureOutput: 'status' }),
      ]),
    );
    assert.deepEqual(preds(plan, 'reader'), []);
    assert.deepEqual(preds(plan, 'producer'), ['reader']);
  });

  it('gives main leaves the workflow retry policy only under strategy retry', () => {
    const policy = { attempts: 4, delayMs: 30_000, backoff: 'constant' } as const;
    const own = { attempts: 2, delayMs: 1, backoff: 'linear' } as const;
    const plan = buildPlan(
      workflow([step('plain'), step('own', { retry: own })], {
        errorHandling: { strategy: 'retry', retry: policy },
        onFailure: [step('hook')],
      }),
    );
    const node = (n: string): Plan['nodes'][number] =>
      plan.nodes[plan.byName.get(n) as number] as Plan['nodes'][number];
    assert.deepEqual(node('plain').retry, policy);
    assert.equal(node('plain').maxTries, 4);
    assert.deepEqual(node('own').retry, own);
    assert.equal(node('hook').maxTries, 1);
  });

  it('records budget scopes innermost first and inherits continue_on_error', () => {
    const plan = buildPlan(
      workflow([
        parallel(
          'outer',
          [parallel('inner', [step('leaf')], { parallelLimit: 1 }), group('plain', [step('other')])],
          { resourceRequirements: { cpuMillis: 1000 }, continueOnError: true },
        ),
      ]),
    );
    const leaf = plan.nodes[plan.byName.get('leaf') as number];
    assert.deepEqual(
      leaf?.budgetScopes.map((g) => plan.nodes[g]?.name),
      ['inner', 'outer'],
    );
    assert.equal(leaf?.continueOnError, true);
    const other = plan.nodes[plan.byName.get('other') as number];
    assert.deepEqual(
      other?.budgetScopes.map((g) => plan.nodes[g]?.name),
      ['outer'],
    );
  });

  it('flattens hook lists and named actions into their leaves, in order', () => {
    const plan = buildPlan(
      workflow([step('a', { onFailure: [group('hooks', [step('h1'), step('h2')]), step('h3')] })], {
        actions: [group('restore', [step('stop_writes'), step('restore_from_backup')])],
      }),
    );
    const a = plan.nodes[plan.byName.get('a') as number];
    assert.deepEqual(
      a?.onFailure.map((j) => plan.nodes[j]?.name),
      ['h1', 'h2', 'h3'],
    );
    assert.deepEqual(
      plan.actions.get('restore')?.map((j) => plan.nodes[j]?.name),
      ['stop_writes', 'restore_from_backup'],
    );
  });

  it('refuses what validation rejects: unknown dependencies, duplicate names and cycles', () => {
    assert.throws(() => buildPlan(workflow([step('a', { dependsOn: ['nope'] })])), PlanError);
    assert.throws(() => buildPlan(workflow([step('a'), step('a')])), /used twice/);
    assert.throws(
      () =>
        buildPlan(
          workflow([parallel('p', [step('a', { dependsOn: ['b'] }), step('b', { dependsOn: ['a'] })])]),
        ),
      /dependency cycle/,
    );
    assert.throws(
      () => buildPlan(workflow([step('a', { dependsOn: ['b'] }), step('b')])),
      /dependency cycle/,
    );
    assert.throws(() => buildPlan(workflow([group('g', [step('a', { dependsOn: ['g'] })])])), /own group/);
  });
});
