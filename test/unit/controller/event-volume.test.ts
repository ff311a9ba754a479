// Which engine events become Kubernetes Events under --events all|notable.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordsEvent } from '../../../src/controller/event-volume.ts';
import type { EventType } from '../../../src/engine/types.ts';

test('notable leaves out routine step events and keeps everything a person should see', () => {
  const routine: EventType[] = ['step_started', 'step_succeeded', 'step_skipped', 'stage_changed'];
  const notable: EventType[] = [
    'started',
    'completed',
    'failed',
    'step_failed',
    'step_retrying',
    'requires_approval',
    'approval_recorded',
    'rollback_started',
    'breaker_opened',
  ];
  for (const type of routine) {
    assert.equal(recordsEvent('notable', type), false, type);
    assert.equal(recordsEvent('all', type), true, type);
  }
  for (const type of notable) assert.equal(recordsEvent('notable', type), true, type);
});
