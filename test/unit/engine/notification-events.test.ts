// The notification events a run's state implies, under keys stable for the run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runNotificationEvents } from '../../../src/engine/notification-events.ts';
import { run } from './helpers/run.ts';
import { workflowFrom } from './observability-helpers.ts';

const gated = workflowFrom(`
name: gated
rollback:
  steps: [{ name: undo, command: "true" }]
steps:
  - name: build
    command: "true"
  - name: release
    description: Switch traffic
    command: deploy
    manual_approval: true
    approvers: { users: [alice], groups: [sre] }
    approvals_required: 2
`);

describe('run notification events', () => {
  it('announces the start, the approval request with who may approve, and success', () => {
    const result = run(gated, {
      onApproval: (request, now) => [
        {
          at: now + 10,
          observation: {
            kind: 'approvalDecided',
            step: request.step,
            user: 'alice',
            decision: 'approved',
            at: now + 10,
            override: true,
          },
        },
      ],
    });
    const events = runNotificationEvents(result.plan, result.state);
    assert.deepEqual(
      events.map((e) => e.key),
      ['started', 'requires_approval:release', 'completed'],
    );
    const approval = events[1];
    assert.equal(approval?.step, 'release');
    assert.deepEqual(approval?.approval, {
      users: ['alice'],
      groups: ['sre'],
      required: 2,
      description: 'Switch traffic',
    });
    assert.match(events[2]?.summary ?? '', /^The run succeeded after /);
  });

  it('announces the rollback and the failure, and alerts it is told about', () => {
    const result = run(gated, { script: { build: { exit: 1 } } });
    const events = runNotificationEvents(result.plan, result.state, [
      { name: 'slow', severity: 'warning', condition: 'run_duration > 1', message: 'too slow', firedAt: 5 },
    ]);
    assert.deepEqual(
      events.map((e) => [e.key, e.event]),
      [
        ['started', 'started'],
        ['rolled_back:automatic', 'rolled_back'],
        ['alert:slow', 'alert'],
        ['failed', 'failed'],
      ],
    );
    assert.equal(events.find((e) => e.event === 'alert')?.summary, 'too slow');
    assert.match(events.at(-1)?.summary ?? '', /^The run failed after .*: /);
  });

  it('has nothing to announce before the run starts, and no end while it runs', () => {
    const result = run(gated, {
      script: { build: { durationMs: 100 } },
      maxCalls: 2,
      check: () => undefined,
    });
    const keys = runNotificationEvents(result.plan, {
      ...result.state,
      startedAt: undefined,
      stage: 'steps',
    }).map((e) => e.key);
    assert.ok(!keys.includes('started'));
    assert.ok(!keys.includes('completed') && !keys.includes('failed'));
  });
});
