// Approvals are bound to what they approved: the digest of a gated step's definition and the run's
// inputs. A resumed run keeps an approval only for the very same definition, and a withdrawn
// decision stops counting until the gate settles.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { approvalDigest } from '../../../src/engine/approval-digest.ts';
import { prepareResume } from '../../../src/engine/resume.ts';
import type { Observation } from '../../../src/engine/types.ts';
import type { Step } from '../../../src/spec/model.ts';
import { simulate } from './helpers/simulator.ts';
import type { Timed } from './helpers/simulator.ts';
import { newRun, withLookups } from './helpers/run.ts';
import { step, workflow } from './helpers/workflow.ts';

const APPROVAL = { users: ['bob', 'carol', 'dave'], groups: [], required: 1, allowSelfApproval: false };

function gate(over: Partial<Step> = {}): Step {
  return step('deploy', { manualApproval: true, approval: APPROVAL, ...over });
}

const at = (time: number, observation: Observation): Timed => ({ at: time, observation });
const approve = (time: number, user: string): Timed =>
  at(time, { kind: 'approvalDecided', step: 'deploy', user, decision: 'approved', at: time });
const withdraw = (time: number, user: string): Timed =>
  at(time, { kind: 'approvalWithdrawn', step: 'deploy', user, at: time });

describe('approval digests', () => {
  it('are the same for the same definition, whatever its position or description', () => {
    const a = approvalDigest(gate(), undefined, { env: 'prod' });
    const moved = approvalDigest(
      gate({ description: 'ship it', source: { path: 'steps[7]', line: 40, column: 3 } }),
      undefined,
      { env: 'prod' },
    );
    assert.equal(a, moved);
    assert.match(a, /^sha256:[0-9a-f]{64}$/);
  });

  it('change with the command, the approvers, the approvals required, the runner or the inputs', () => {
    const base = approvalDigest(gate(), undefined, { env: 'prod' });
    const others = [
      approvalDigest(gate({ command: 'run something else' }), undefined, { env: 'prod' }),
      approvalDigest(gate({ approval: { ...APPROVAL, users: ['mallory'] } }), undefined, { env: 'prod' }),
      approvalDigest(gate({ approval: { ...APPROVAL, required: 2 } }), undefined, { env: 'prod' }),
      approvalDigest(gate({ env: { TARGET: 'x' } }), undefined, { env: 'prod' }),
      approvalDigest(gate(), { image: 'evil:latest' } as never, { env: 'prod' }),
      approvalDigest(gate(), undefined, { env: 'staging' }),
    ];
    for (const other of others) assert.notEqual(other, base);
    assert.equal(new Set(others).size, others.length);
  });
});

describe('resuming a run with approvals', () => {
  function failedAfterApproval() {
    const wf = workflow([gate()]);
    const { plan, state } = newRun(wf);
    const first = simulate(plan, state, { inject: [approve(100, 'bob')], script: { deploy: { exit: 1 } } });
    assert.equal(first.state.phase, 'Failed');
    return first.state;
  }

  it('keeps an approval given for the very same definition', () => {
    const previous = failedAfterApproval();
    const { plan } = newRun(workflow([gate()]));
    const r = withLookups(plan, simulate(plan, prepareResume(plan, previous, 1000), { start: 1000 }));
    assert.equal(r.state.phase, 'Succeeded');
    assert.equal(r.state.approvals.deploy?.decisions.bob?.inheritedFrom, 'run-1');
  });

  it('waits for a fresh approval when the step changed, and shows no old approver', () => {
    const previous = failedAfterApproval();
    const { plan } = newRun(workflow([gate({ command: 'run something else' })]));
    const resumed = prepareResume(plan, previous, 1000);
    assert.deepEqual(resumed.approvals.deploy?.decisions, {});
    const waiting = withLookups(plan, simulate(plan, resumed, { start: 1000 }));
    assert.equal(waiting.state.phase, 'AwaitingApproval');
    assert.deepEqual(waiting.order(), []);
    const approved = withLookups(
      plan,
      simulate(plan, waiting.state, { start: 2000, inject: [approve(2000, 'carol')] }),
    );
    assert.deepEqual(approved.order(), ['deploy']);
  });
});

describe('withdrawing an approval', () => {
  const twoNeeded = () => newRun(workflow([gate({ approval: { ...APPROVAL, required: 2 } })]));

  it('stops counting a decision withdrawn before the step started', () => {
    const { plan, state } = twoNeeded();
    const r = withLookups(
      plan,
      simulate(plan, state, { inject: [approve(100, 'bob'), withdraw(200, 'bob'), approve(300, 'carol')] }),
    );
    assert.equal(r.state.phase, 'AwaitingApproval');
    assert.deepEqual(r.order(), []);
    assert.deepEqual(Object.keys(r.state.approvals.deploy?.decisions ?? {}), ['carol']);
    const done = withLookups(plan, simulate(plan, r.state, { start: 400, inject: [approve(400, 'dave')] }));
    assert.deepEqual(done.order(), ['deploy']);
  });

  it('keeps a decision already used, marked as withdrawn', () => {
    const { plan, state } = twoNeeded();
    const r = simulate(plan, state, {
      inject: [approve(100, 'bob'), approve(200, 'carol'), withdraw(300, 'carol')],
      script: { deploy: { durationMs: 500 } },
    });
    assert.equal(r.state.phase, 'Succeeded');
    assert.equal(r.state.approvals.deploy?.outcome, 'approved');
    assert.equal(r.state.approvals.deploy?.decisions.carol?.withdrawnAfterUse, true);
  });
});
