// Manual approval: waiting, approving, rejecting, several approvers, self-approval, timeouts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Approval } from '../../../src/spec/model.ts';
import type { ApprovalObservation, Observation } from '../../../src/engine/types.ts';
import { simulate } from './helpers/simulator.ts';
import type { Timed } from './helpers/simulator.ts';
import { newRun, run, withLookups } from './helpers/run.ts';
import { group, parallel, step, workflow } from './helpers/workflow.ts';

function gated(approval?: Partial<Approval>): ReturnType<typeof workflow> {
  return workflow([
    step('test_green'),
    step('switch_traffic', {
      manualApproval: true,
      ...(approval
        ? { approval: { users: [], groups: [], required: 1, allowSelfApproval: true, ...approval } }
        : {}),
    }),
    step('cleanup'),
  ]);
}

function decision(
  at: number,
  user: string,
  d: 'approved' | 'rejected',
  extra: Partial<ApprovalObservation> = {},
): Timed {
  const observation: Observation = {
    kind: 'approvalDecided',
    step: 'switch_traffic',
    user,
    decision: d,
    at,
    ...extra,
  };
  return { at, observation };
}

describe('manual approval', () => {
  it('stops in AwaitingApproval when nothing else can run, and continues once approved', () => {
    const { plan, state } = newRun(gated({ users: ['alice'] }));
    const first = withLookups(plan, simulate(plan, state));
    assert.equal(first.state.phase, 'AwaitingApproval');
    assert.equal(first.step('switch_traffic').phase, 'AwaitingApproval');
    const request = first.actions.find((a) => a.action.kind === 'requestApproval');
    assert.deepEqual(request, {
      at: 10,
      action: {
        kind: 'requestApproval',
        step: 'switch_traffic',
        users: ['alice'],
        groups: [],
        required: 1,
        allowSelfApproval: true,
      },
    });
    assert.deepEqual(first.order(), ['test_green']);
    // Later (another process, the state saved in between): the approval arrives.
    const saved = JSON.parse(JSON.stringify(first.state)) as typeof first.state;
    const second = withLookups(
      plan,
      simulate(plan, saved, { start: 5000, inject: [decision(5000, 'alice', 'approved')] }),
    );
    assert.deepEqual(second.order(), ['switch_traffic', 'cleanup']);
    assert.equal(second.main('switch_traffic').start, 5000);
    assert.equal(second.state.phase, 'Succeeded');
  });

  it('keeps the run Running while other steps can still run', () => {
    const phases: string[] = [];
    run(workflow([parallel('p', [step('gate', { manualApproval: true }), step('busy')])]), {
      script: { busy: { durationMs: 100 } },
      check: (s) => phases.push(s.phase),
    });
    assert.deepEqual(phases, ['Running', 'AwaitingApproval']);
  });

  it('fails the step on a rejection, with who rejected and why', () => {
    const r = run(gated(), {
      inject: [decision(50, 'bob', 'rejected', { comment: 'not during peak hours' })],
    });
    assert.equal(r.step('switch_traffic').phase, 'Failed');
    assert.equal(r.step('switch_traffic').reason, 'Rejected');
    assert.equal(r.step('switch_traffic').message, 'rejected by bob: not during peak hours');
    assert.equal(r.step('cleanup').phase, 'Skipped');
    assert.equal(r.state.phase, 'Failed');
    assert.equal(r.state.reason, 'Rejected');
  });

  it('counts distinct approvers against required', () => {
    const r = run(gated({ required: 2 }), {
      inject: [
        decision(100, 'alice', 'approved'),
        decision(200, 'alice', 'approved'),
        decision(300, 'bob', 'approved'),
      ],
    });
    assert.equal(r.main('switch_traffic').start, 300);
  });

  it('does not count the run creator when self-approval is not allowed', () => {
    const r = run(
      gated({ allowSelfApproval: false }),
      { inject: [decision(100, 'carol', 'approved'), decision(200, 'dave', 'approved')] },
      { creator: 'carol' },
    );
    assert.equal(r.main('switch_traffic').start, 200);
    assert.equal(r.state.approvals.switch_traffic?.decisions.carol?.counted, false);
  });

  it('counts only listed users or members of listed groups', () => {
    const r = run(gated({ users: ['alice'], groups: ['sre'] }), {
      inject: [
        decision(100, 'mallory', 'approved'),
        decision(200, 'erin', 'approved', { groups: ['dev', 'sre'] }),
      ],
    });
    assert.equal(r.main('switch_traffic').start, 200);
  });

  it('lets an override decision settle the gate alone (e.g. --auto-approve)', () => {
    const r = run(gated({ required: 3, users: ['alice'] }), {
      inject: [decision(100, 'operator', 'approved', { override: true })],
    });
    assert.equal(r.main('switch_traffic').start, 100);
  });

  it('accepts a decision that arrives before the gate (e.g. --approve STEP) and never waits', () => {
    const r = run(gated(), { inject: [decision(0, 'alice', 'approved')] });
    assert.equal(r.main('switch_traffic').start, 10);
    assert.equal(r.actions.filter((a) => a.action.kind === 'requestApproval').length, 0);
  });

  it('fails the step when nobody decides before approval.timeout', () => {
    const r = run(gated({ timeoutMs: 3_600_000 }));
    assert.equal(r.step('switch_traffic').reason, 'ApprovalTimedOut');
    assert.equal(r.step('switch_traffic').finishedAt, 10 + 3_600_000);
  });

  it('asks for no approval when the step condition is false', () => {
    const wf = workflow([step('switch_traffic', { manualApproval: true, when: '{{ .is_production }}' })]);
    const r = run(wf, {}, { context: { is_production: false } });
    assert.equal(r.actions.filter((a) => a.action.kind === 'requestApproval').length, 0);
    assert.equal(r.state.phase, 'Succeeded');
  });

  it('gates a whole group when the group requires approval', () => {
    const wf = workflow([group('release', [step('a'), step('b')], { manualApproval: true })]);
    const r = run(wf, {
      inject: [
        {
          at: 70,
          observation: { kind: 'approvalDecided', step: 'release', user: 'x', decision: 'approved', at: 70 },
        },
      ],
    });
    assert.deepEqual(r.order(), ['a', 'b']);
    assert.equal(r.main('a').start, 70);
  });

  it('ignores a decision for a step that has no approval gate', () => {
    const r = run(gated(), {
      inject: [
        {
          at: 0,
          observation: { kind: 'approvalDecided', step: 'cleanup', user: 'x', decision: 'rejected', at: 0 },
        },
        decision(20, 'alice', 'approved'),
      ],
    });
    assert.equal(r.state.phase, 'Succeeded');
    assert.deepEqual(r.state.approvals.cleanup, undefined);
  });
});
