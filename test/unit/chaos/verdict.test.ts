// The chaos verdict over hand-written execution logs: each kind of wrong outcome is counted once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judge, parseExecutionLog, type FinalRun } from '../../chaos/verdict.ts';
import type { RunPlan } from '../../chaos/workload.ts';

const plans: RunPlan[] = [
  { name: 'c', kind: 'chain', expectedPhase: 'Succeeded' },
  { name: 'g', kind: 'gated', decision: 'approved', expectedPhase: 'Succeeded' },
  { name: 's', kind: 'sturdy', expectedPhase: 'Succeeded' },
];
const finals = (overrides: Record<string, Partial<FinalRun>> = {}) =>
  new Map<string, FinalRun>(
    plans.map((p) => [p.name, { name: p.name, phase: p.expectedPhase, steps: {}, ...overrides[p.name] }]),
  );

describe('chaos verdict', () => {
  it('finds nothing wrong in a clean log', () => {
    const log = ['start c one 1 100', 'end c one 1 200 0', 'start g ship 1 600', 'end g ship 1 700 0'].join(
      '\n',
    );
    const steps = { c: { steps: { one: { phase: 'Succeeded' } } } };
    const verdict = judge(plans, finals(steps), parseExecutionLog(log), new Map([['g', 500]]));
    assert.deepEqual(verdict.details, []);
    assert.equal(verdict.duplicateExecutions + verdict.unapprovedExecutions + verdict.lostRuns, 0);
  });

  it('counts an attempt run twice, and two attempts of one step at the same time', () => {
    const log = [
      'start s work 1 100',
      'start s work 1 150',
      'end s work 1 400 0',
      'start s work 2 300',
      'end s work 2 500 0',
    ].join('\n');
    const verdict = judge(plans, finals(), parseExecutionLog(log), new Map([['g', 0]]));
    assert.equal(verdict.duplicateExecutions, 2, verdict.details.join('\n'));
  });

  it('counts a gated step that started before its approval', () => {
    const log = ['start g ship 1 100', 'end g ship 1 200 0'].join('\n');
    const verdict = judge(plans, finals(), parseExecutionLog(log), new Map([['g', 150]]));
    assert.equal(verdict.unapprovedExecutions, 1);
  });

  it('counts runs gone, claiming steps that never ran, unfinished, or in the wrong phase', () => {
    const runs = finals({
      c: { steps: { one: { phase: 'Succeeded' } } },
      g: { phase: 'Running' },
      s: { phase: 'Failed' },
    });
    const verdict = judge(
      [...plans, { name: 'x', kind: 'chain', expectedPhase: 'Succeeded' }],
      runs,
      [],
      new Map(),
    );
    assert.equal(verdict.lostRuns, 2, verdict.details.join('\n'));
    assert.equal(verdict.stuckRuns, 1);
    assert.equal(verdict.wrongFinalPhases, 1);
  });
});
