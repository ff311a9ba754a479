// Why a step's Job has no running container, from its Job and pods.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  attemptWait,
  NO_POD_CHECK_MS,
  NO_POD_GRACE_MS,
  noPodRecheckAt,
} from '../../../src/controller/attempt-waits.ts';
import type { JobObject, PodObject } from '../../../src/controller/resources.ts';

const CREATED = Date.parse('2026-11-29T10:00:00Z');

function job(conditions: { type: string; status: string }[] = []): JobObject {
  return {
    metadata: {
      name: 'r-work-1',
      namespace: 'ns',
      uid: 'j',
      creationTimestamp: new Date(CREATED).toISOString(),
    },
    status: { conditions },
  };
}

function pod(status: NonNullable<PodObject['status']>): PodObject {
  return { metadata: { name: 'r-work-1-abc', namespace: 'ns', uid: 'p' }, status };
}

describe('attemptWait', () => {
  it('says nothing about a Job without a pod during its grace, then names it', () => {
    assert.equal(attemptWait('work', job(), [], CREATED + NO_POD_CHECK_MS - 1), undefined);
    assert.equal(noPodRecheckAt(job(), []), CREATED + NO_POD_CHECK_MS);
    const early = attemptWait('work', job(), [], CREATED + NO_POD_CHECK_MS);
    assert.equal(early?.longWait, false, 'its Events are asked, but no pod alone is not said yet');
    const wait = attemptWait('work', job(), [], CREATED + 32_000);
    assert.equal(wait?.reason, 'NoPod');
    assert.equal(wait?.longWait, true);
    assert.ok(32_000 >= NO_POD_GRACE_MS);
    assert.equal(
      wait?.message,
      `step work: Job r-work-1 has had no pod since ${new Date(CREATED).toISOString()} (kubectl describe job r-work-1)`,
    );
  });

  it('says the same about a Job without a pod at every look, so that its run status is not rewritten', () => {
    const first = attemptWait('work', job(), [], CREATED + 31_000);
    const later = attemptWait('work', job(), [], CREATED + 47_000);
    assert.equal(later?.message, first?.message);
  });

  it('reports the scheduler message of an unschedulable pod', () => {
    const p = pod({
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/3 nodes are available: 3 Insufficient cpu.',
        },
      ],
    });
    const wait = attemptWait('work', job(), [p], CREATED + 1000);
    assert.equal(wait?.reason, 'Unschedulable');
    assert.equal(
      wait?.message,
      'step work: pod r-work-1-abc cannot be scheduled: 0/3 nodes are available: 3 Insufficient cpu.',
    );
    assert.equal(noPodRecheckAt(job(), [p]), undefined);
  });

  it('reports image pull and container creation failures', () => {
    const waiting = (reason: string) =>
      pod({
        phase: 'Pending',
        containerStatuses: [{ name: 'step', state: { waiting: { reason, message: 'why' } } }],
      });
    assert.equal(
      attemptWait('work', job(), [waiting('ImagePullBackOff')], CREATED)?.reason,
      'ImagePullFailed',
    );
    assert.equal(
      attemptWait('work', job(), [waiting('CreateContainerConfigError')], CREATED)?.reason,
      'ContainerNotCreated',
    );
    assert.equal(attemptWait('work', job(), [waiting('ContainerCreating')], CREATED), undefined);
  });

  it('has nothing to say of a finished Job or a running pod', () => {
    const done = job([{ type: 'Failed', status: 'True' }]);
    assert.equal(attemptWait('work', done, [], CREATED + 60_000), undefined);
    assert.equal(noPodRecheckAt(done, []), undefined);
    assert.equal(attemptWait('work', job(), [pod({ phase: 'Running' })], CREATED + 60_000), undefined);
  });
});
