// A step attempt's outcome from its Job and its pod.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { finishedJob, finishedOwnJob } from '../../../src/controller/job-observations.ts';
import type { InFlightAttempt } from '../../../src/controller/job-observations.ts';
import type { JobObject, PodObject } from '../../../src/controller/resources.ts';

const attempt: InFlightAttempt = {
  step: 'work',
  attempt: 1,
  job: 'r-work-1',
  captureOutput: false,
  cancelRequested: false,
};

function job(conditions: { type: string; status: string; reason?: string }[] = []): JobObject {
  return { metadata: { name: 'r-work-1', namespace: 'ns', uid: 'j' }, status: { conditions } };
}

function pod(phase: string, exitCode?: number, deleting = false): PodObject {
  return {
    metadata: {
      name: 'r-work-1-abc',
      namespace: 'ns',
      uid: 'p',
      ...(deleting ? { deletionTimestamp: '2026-12-06T10:00:00Z' } : {}),
    },
    status: {
      phase,
      containerStatuses: [
        { name: 'step', state: exitCode === undefined ? { running: {} } : { terminated: { exitCode } } },
      ],
    },
  };
}

describe('finishedJob', () => {
  it('takes a step as done when its pod succeeded, before the Job controller marks the Job', () => {
    const done = finishedJob(attempt, job(), [pod('Succeeded', 0)]);
    assert.deepEqual(done?.observation, { kind: 'attemptFinished', step: 'work', attempt: 1, exitCode: 0 });
    assert.equal(done?.pod, 'r-work-1-abc');
  });

  it('takes a step as failed with its exit code when its pod failed, before the Job is marked', () => {
    const done = finishedJob(attempt, job(), [pod('Failed', 3)]);
    assert.deepEqual(done?.observation, { kind: 'attemptFinished', step: 'work', attempt: 1, exitCode: 3 });
  });

  it('waits while the pod runs', () => {
    assert.equal(finishedJob(attempt, job(), [pod('Running')]), undefined);
  });

  it("waits for the Job's word when the Job controller is ending the pod (a deadline)", () => {
    assert.equal(finishedJob(attempt, job(), [pod('Failed', 137, true)]), undefined);
    const target = job([{ type: 'FailureTarget', status: 'True', reason: 'DeadlineExceeded' }]);
    assert.equal(finishedJob(attempt, target, [pod('Failed', 137)]), undefined);
    const failed = job([
      { type: 'FailureTarget', status: 'True', reason: 'DeadlineExceeded' },
      { type: 'Failed', status: 'True', reason: 'DeadlineExceeded' },
    ]);
    assert.deepEqual(finishedJob(attempt, failed, [pod('Failed', 137, true)])?.observation, {
      kind: 'attemptFinished',
      step: 'work',
      attempt: 1,
      exitCode: 137,
      timedOut: true,
    });
  });

  it('waits for the Job when a failed pod has no exit code (evicted, never started)', () => {
    const evicted: PodObject = {
      metadata: { name: 'p', namespace: 'ns', uid: 'p' },
      status: { phase: 'Failed' },
    };
    assert.equal(finishedJob(attempt, job(), [evicted]), undefined);
  });
});

describe('finishedOwnJob', () => {
  const created = Date.parse('2026-12-06T10:00:00Z');
  const ownJob: JobObject = {
    metadata: { name: 'r-work-1', namespace: 'ns', uid: 'j', creationTimestamp: '2026-12-06T10:00:00Z' },
    spec: { activeDeadlineSeconds: 3 },
  };
  function ended(exitCode: number, finishedAt: string, reason?: string): PodObject {
    return {
      metadata: { name: 'r-work-1', namespace: 'ns', uid: 'p' },
      status: {
        phase: exitCode === 0 ? 'Succeeded' : 'Failed',
        ...(reason ? { reason } : {}),
        containerStatuses: [{ name: 'step', state: { terminated: { exitCode, finishedAt } } }],
      },
    };
  }

  it('counts a step killed after its deadline as timed out, even before the kubelet says why', () => {
    // The kubelet's own deadline may kill the container before the controller's recheck runs, and
    // its pod may show the kill's exit code before its DeadlineExceeded reason.
    const done = finishedOwnJob(attempt, ownJob, [ended(137, '2026-12-06T10:00:05Z')], created + 6000);
    assert.deepEqual(done?.observation, {
      kind: 'attemptFinished',
      step: 'work',
      attempt: 1,
      exitCode: 137,
      timedOut: true,
    });
  });

  it('keeps the exit code of a step that failed before its deadline, whenever it is seen', () => {
    const done = finishedOwnJob(attempt, ownJob, [ended(3, '2026-12-06T10:00:01Z')], created + 9000);
    assert.deepEqual(done?.observation, { kind: 'attemptFinished', step: 'work', attempt: 1, exitCode: 3 });
  });

  it('keeps the success of a step that exited 0 at its deadline', () => {
    const done = finishedOwnJob(attempt, ownJob, [ended(0, '2026-12-06T10:00:04Z')], created + 5000);
    assert.deepEqual(done?.observation, { kind: 'attemptFinished', step: 'work', attempt: 1, exitCode: 0 });
  });
});
