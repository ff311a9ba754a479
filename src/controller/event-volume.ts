// Which of the engine's events become Kubernetes Events on a run. `all` tells a run's whole story in
// `kubectl describe wfr` (two Events per step); `notable` leaves out the routine ones (a step
// started, succeeded or was skipped), which are also in status and the controller's log, and so
// spares the API server and etcd most Event writes in runs of many steps.
import type { EventType } from '../engine/types.ts';

export const EVENT_VOLUMES = ['all', 'notable'] as const;
export type EventVolume = (typeof EVENT_VOLUMES)[number];

const ROUTINE: ReadonlySet<EventType> = new Set([
  'step_started',
  'step_succeeded',
  'step_skipped',
  'stage_changed',
]);

export function recordsEvent(volume: EventVolume, type: EventType): boolean {
  return volume === 'all' || !ROUTINE.has(type);
}
