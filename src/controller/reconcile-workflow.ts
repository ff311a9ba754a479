// Reconciles a Workflow in ordered steps that each return a result: check its spec with the same
// checks as `conveyor validate` (the API server's schema catches only part of it), run its schedules
// (start the run of each fire time that is due, publish the next fire times), learn from its runs
// (the last one finished, those past the history limits), then summarise (workflow-status.ts).
import { decideSchedule } from '../engine/index.ts';
import type { ScheduleMemory } from '../engine/index.ts';
import { loadWorkflowObject } from '../spec/load.ts';
import type { LoadResult } from '../spec/load.ts';
import type { Schedule, Workflow } from '../spec/model.ts';
import type { WorkflowObject, WorkflowRunObject } from './resources.ts';
import { runsOfSchedule, scheduledRun } from './scheduled-runs.ts';
import { recordedWorkflowStatus, summariseWorkflow } from './workflow-status.ts';
import type { ScheduleStatus } from './workflow-status.ts';
import { newerFinishedRun, runsPastHistory } from './workflow-runs.ts';

export interface WorkflowEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

export interface WorkflowReconcile {
  /** The status to merge-patch, or undefined when the current one already says it all. */
  readonly status?: Record<string, unknown>;
  /** Scheduled runs to create (AlreadyExists means another controller was first: fine). */
  readonly create: readonly Record<string, unknown>[];
  /** Runs a `Replace` schedule deletes before starting the new one. */
  readonly remove: readonly string[];
  /** Finished runs past the workflow's history limits, deleted once the status is written. */
  readonly prune: readonly string[];
  readonly events: readonly WorkflowEvent[];
  /** When the next fire time is due. */
  readonly wakeAt?: number;
}

interface Scheduling {
  readonly schedules: ScheduleStatus[];
  readonly create: Record<string, unknown>[];
  readonly remove: string[];
  readonly events: WorkflowEvent[];
  readonly wakeAt?: number;
}

export function reconcileWorkflow(
  workflow: WorkflowObject,
  runs: readonly WorkflowRunObject[],
  now: number,
  createdBy: string,
  loaded: LoadResult = loadWorkflowSpec(workflow),
): WorkflowReconcile {
  const recorded = recordedWorkflowStatus(workflow);
  const valid = !loaded.diagnostics.some((d) => d.severity === 'error') && loaded.workflow !== undefined;
  // An invalid workflow cannot run, so its schedules wait (their state is kept for when it is fixed).
  const scheduling: Scheduling =
    valid && loaded.workflow
      ? scheduleRuns(workflow, loaded.workflow, recorded.schedules ?? [], runs, now, createdBy)
      : { schedules: recorded.schedules ?? [], create: [], remove: [], events: [] };
  const finished = newerFinishedRun(workflow.metadata.name, runs, recorded.lastRun);
  const status = summariseWorkflow({
    workflow,
    loaded,
    schedules: scheduling.schedules,
    ...(finished ? { finished } : {}),
    now,
  });
  return {
    ...(status ? { status } : {}),
    create: scheduling.create,
    remove: scheduling.remove,
    prune: runsPastHistory(workflow, runs),
    events: scheduling.events,
    ...(scheduling.wakeAt !== undefined ? { wakeAt: scheduling.wakeAt } : {}),
  };
}

/** The spec checked as `conveyor validate` would; callers may keep it per metadata.generation. */
export function loadWorkflowSpec(workflow: WorkflowObject): LoadResult {
  const name = workflow.metadata.name;
  return loadWorkflowObject({ ...(workflow.spec ?? {}), name }, `workflow/${name}`, ['spec']);
}

function scheduleRuns(
  workflow: WorkflowObject,
  loaded: Workflow,
  previous: readonly ScheduleStatus[],
  runs: readonly WorkflowRunObject[],
  now: number,
  createdBy: string,
): Scheduling {
  const result: Scheduling = { schedules: [], create: [], remove: [], events: [] };
  let wakeAt: number | undefined;
  for (const schedule of loaded.schedules) {
    const old = previous.find((p) => p.name === schedule.name);
    const one = scheduleOne(workflow, schedule, old, runs, now, createdBy);
    result.schedules.push(one.status);
    if (one.run) result.create.push(one.run);
    result.remove.push(...one.remove);
    result.events.push(...one.events);
    if (one.wakeAt !== undefined) wakeAt = Math.min(wakeAt ?? Infinity, one.wakeAt);
  }
  return { ...result, ...(wakeAt !== undefined ? { wakeAt } : {}) };
}

/** One schedule: whether it fires now (and replaces runs), what it says, and its status. */
function scheduleOne(
  workflow: WorkflowObject,
  schedule: Schedule,
  old: ScheduleStatus | undefined,
  runs: readonly WorkflowRunObject[],
  now: number,
  createdBy: string,
) {
  const name = workflow.metadata.name;
  const mine = runsOfSchedule(runs, name, schedule.name);
  const decision = decideSchedule(schedule, memoryOf(old), mine, now);
  const events: WorkflowEvent[] = [];
  const run =
    decision.fire === undefined
      ? undefined
      : scheduledRun({
          namespace: workflow.metadata.namespace,
          workflow: name,
          schedule,
          fireTime: decision.fire,
          createdBy,
        });
  const started = run ? (run.metadata as { name: string }).name : undefined;
  if (started !== undefined && decision.fire !== undefined)
    events.push({
      type: 'Normal',
      reason: 'ScheduledRun',
      message: `schedule ${schedule.name}: started ${started} for ${new Date(decision.fire).toISOString()}${decision.replace.length ? ` (replacing ${decision.replace.join(', ')})` : ''}`,
    });
  const skip = decision.memory.lastSkip;
  if (skip && skip.time !== (old?.lastSkip ? Date.parse(old.lastSkip.time) : undefined))
    events.push({
      type: 'Warning',
      reason: 'ScheduleSkipped',
      message: `schedule ${schedule.name}: ${skip.message}`,
    });
  const newest = [...mine].sort((a, b) => (b.scheduledAt ?? 0) - (a.scheduledAt ?? 0))[0];
  const lastRun =
    started !== undefined
      ? { name: started, phase: 'Pending' }
      : newest
        ? { name: newest.name, ...(newest.phase ? { phase: newest.phase } : {}) }
        : old?.lastRun;
  const active = mine.filter((r) => r.active && !decision.replace.includes(r.name)).map((r) => r.name);
  if (started !== undefined) active.push(started);
  const m = decision.memory;
  const status: ScheduleStatus = {
    name: schedule.name,
    ...(m.since !== undefined ? { since: iso(m.since) } : {}),
    ...(schedule.suspend ? { suspended: true } : {}),
    ...(m.lastScheduleTime !== undefined ? { lastScheduleTime: iso(m.lastScheduleTime) } : {}),
    ...(m.lastSkip ? { lastSkip: { ...m.lastSkip, time: iso(m.lastSkip.time) } } : {}),
    ...(lastRun ? { lastRun } : {}),
    nextScheduleTimes: decision.nextTimes.map(iso),
    active: [...new Set(active)].sort(),
  };
  return { status, run, remove: run ? decision.replace : [], events, wakeAt: decision.wakeAt };
}

function memoryOf(status: ScheduleStatus | undefined): ScheduleMemory | undefined {
  if (!status) return undefined;
  const ms = (text: string | undefined) => (text === undefined ? undefined : Date.parse(text));
  const skip = status.lastSkip;
  return {
    ...(status.since !== undefined ? { since: ms(status.since) } : {}),
    ...(status.lastScheduleTime !== undefined ? { lastScheduleTime: ms(status.lastScheduleTime) } : {}),
    ...(skip
      ? {
          lastSkip: {
            time: Date.parse(skip.time),
            reason: skip.reason as 'MissedStartingDeadline' | 'ConcurrencyForbid',
            message: skip.message,
          },
        }
      : {}),
  };
}

const iso = (ms: number): string => new Date(ms).toISOString();
