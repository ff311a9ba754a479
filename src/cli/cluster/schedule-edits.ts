// Edits of a Workflow's spec.schedules from the CLI: read, change, and write back as a merge patch
// carrying the resourceVersion read (a conflict means someone else changed the Workflow: read and
// try again), under a field manager of its own, so that a later `conveyor run --cluster` of the same
// file (which applies the file's fields) does not take the schedules away.
import type { WorkflowObject } from '../../controller/resources.ts';
import type { ClusterApi } from './api.ts';
import { ClusterError } from './api.ts';

/** The field manager of schedule edits (see the top of this file). */
export const SCHEDULE_FIELD_MANAGER = 'conveyor-schedule';
const ATTEMPTS = 5;

export interface ScheduleEntry {
  name?: string;
  cron?: string;
  timezone?: string;
  parameters?: Record<string, unknown>;
  environment?: string;
  concurrency_policy?: string;
  starting_deadline?: string;
  suspend?: boolean;
}

/** Read, change and write spec.schedules, again on a conflict. */
export async function editSchedules<R>(
  api: ClusterApi,
  workflow: string,
  change: (list: ScheduleEntry[]) => { list: ScheduleEntry[]; result: R },
): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    const current = await api.getWorkflow(workflow);
    if (!current)
      throw new ClusterError(`Workflow ${workflow} does not exist in namespace ${api.namespace}`, 404);
    const { list, result } = change(schedulesOf(current));
    try {
      await api.patchWorkflow(
        workflow,
        {
          metadata: { resourceVersion: current.metadata.resourceVersion },
          spec: { schedules: list.length ? list : null },
        },
        SCHEDULE_FIELD_MANAGER,
      );
      return result;
    } catch (error) {
      if (error instanceof ClusterError && error.statusCode === 409 && attempt < ATTEMPTS) continue;
      throw error;
    }
  }
}

export function schedulesOf(workflow: WorkflowObject): ScheduleEntry[] {
  const list = workflow.spec?.schedules;
  return Array.isArray(list) ? (list as ScheduleEntry[]) : [];
}
