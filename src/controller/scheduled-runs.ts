// The WorkflowRuns a Workflow's schedules start: their deterministic names (one per fire time, so two
// controllers or a restarted one create each at most once) and the object itself.
import { API_VERSION, ANNOTATIONS, KINDS, LABELS, labelValue } from '../spec/crd/identity.ts';
import { boundedName } from '../spec/kubernetes-name.ts';
import type { Schedule } from '../spec/model.ts';
import type { WorkflowRunObject } from './resources.ts';

export const SCHEDULE_LABEL = LABELS.schedule;
export const SCHEDULED_AT_ANNOTATION = ANNOTATIONS.scheduledAt;

const FINISHED = new Set(['Succeeded', 'Failed', 'Cancelled']);

/** `<workflow>-<schedule>-<fire time in Unix seconds>`, shortened with a hash past 63 characters. */
export function scheduledRunName(workflow: string, schedule: string, fireTime: number): string {
  // A schedule named after its workflow (as `conveyor schedule add` names them) is not repeated.
  const parts = schedule.startsWith(`${workflow}-`) ? [schedule] : [workflow, schedule];
  return boundedName([...parts, String(Math.floor(fireTime / 1000))]);
}

export function scheduledRun(options: {
  namespace: string;
  workflow: string;
  schedule: Schedule;
  fireTime: number;
  createdBy: string;
}): Record<string, unknown> {
  const { namespace, workflow, schedule, fireTime, createdBy } = options;
  const parameters = schedule.parameters;
  return {
    apiVersion: API_VERSION,
    kind: KINDS.run,
    metadata: {
      name: scheduledRunName(workflow, schedule.name, fireTime),
      namespace,
      labels: { [LABELS.workflow]: labelValue(workflow), [SCHEDULE_LABEL]: labelValue(schedule.name) },
      annotations: {
        // The approval policy trusts this annotation only when it names whoever created the run.
        [ANNOTATIONS.createdBy]: createdBy,
        [SCHEDULED_AT_ANNOTATION]: new Date(fireTime).toISOString(),
      },
    },
    spec: {
      workflowRef: { name: workflow },
      ...(Object.keys(parameters).length > 0 ? { parameters } : {}),
      ...(schedule.environment !== undefined ? { environment: schedule.environment } : {}),
    },
  };
}

/** The runs of one schedule of a workflow, from the runs in its namespace. */
export function runsOfSchedule(
  runs: readonly WorkflowRunObject[],
  workflow: string,
  schedule: string,
): { name: string; active: boolean; scheduledAt?: number; phase?: string }[] {
  return runs
    .filter(
      (r) =>
        r.spec?.workflowRef?.name === workflow &&
        r.metadata.labels?.[SCHEDULE_LABEL] === labelValue(schedule) &&
        r.metadata.deletionTimestamp === undefined,
    )
    .map((r) => {
      const phase = (r.status as { phase?: string } | undefined)?.phase;
      const at = Date.parse(r.metadata.annotations?.[SCHEDULED_AT_ANNOTATION] ?? '');
      return {
        name: r.metadata.name,
        active: !FINISHED.has(phase ?? ''),
        ...(Number.isFinite(at) ? { scheduledAt: at } : {}),
        ...(phase !== undefined ? { phase } : {}),
      };
    });
}
