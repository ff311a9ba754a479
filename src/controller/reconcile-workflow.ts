// Reconciles a Workflow: validates its spec with the same checks as `conveyor validate` and says what
// is wrong in status.conditions (the API server's schema catches only part of it), and runs its
// schedules: starts the run of each fire time that is due, and publishes the next fire times.
import { isDeepStrictEqual } from 'node:util';
import { decideSchedule } from '../engine/index.ts';
import type { ScheduleMemory } from '../engine/index.ts';
import { formatDiagnostic } from '../spec/diagnostics.ts';
import { loadWorkflowObject } from '../spec/load.ts';
import type { LoadResult } from '../spec/load.ts';
import type { Workflow } from '../spec/model.ts';
import type { Condition } from './run-conditions.ts';
import type { WorkflowObject, WorkflowRunObject } from './resources.ts';
import { runsOfSchedule, scheduledRun } from './scheduled-runs.ts';

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
  readonly events: readonly WorkflowEvent[];
  /** When the next fire time is due. */
  readonly wakeAt?: number;
}

interface ScheduleStatus {
  name: string;
  since?: string;
  suspended?: boolean;
  lastScheduleTime?: string;
  lastSkip?: { time: string; reason: string; message: string };
  lastRun?: { name: string; phase?: string };
  nextScheduleTimes?: string[];
  active?: string[];
}

interface WorkflowStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  findings?: unknown[];
  schedules?: ScheduleStatus[];
}

export function reconcileWorkflow(
  workflow: WorkflowObject,
  runs: readonly WorkflowRunObject[],
  now: number,
  createdBy: string,
  loaded: LoadResult = loadWorkflowSpec(workflow),
): WorkflowReconcile {
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  const current = (workflow.status ?? {}) as WorkflowStatus;
  const validity = validityStatus(workflow, loaded.diagnostics.length - errors.length, errors, now);
  // An invalid workflow cannot run, so its schedules wait (their state is kept for when it is fixed).
  const scheduling =
    errors.length === 0 && loaded.workflow
      ? scheduleStatus(workflow, loaded.workflow, current.schedules ?? [], runs, now, createdBy)
      : { schedules: current.schedules ?? [], create: [], remove: [], events: [] };
  const next: WorkflowStatus = {
    ...validity,
    findings: loaded.diagnostics.slice(0, 100).map((d) => ({
      severity: d.severity,
      ...(d.code ? { code: d.code } : {}),
      message: d.message,
      path: d.path,
    })),
    schedules: scheduling.schedules,
  };
  const changed =
    current.observedGeneration !== next.observedGeneration ||
    !sameConditions(current.conditions ?? [], next.conditions ?? []) ||
    // The API server returns objects with their keys sorted: compare values, not texts.
    !isDeepStrictEqual(current.findings ?? [], next.findings) ||
    !isDeepStrictEqual(current.schedules ?? [], next.schedules);
  const wakeAt = 'wakeAt' in scheduling ? scheduling.wakeAt : undefined;
  return {
    // A merge patch replaces lists whole; null removes the list once no schedule is left.
    status: changed ? { ...next, schedules: next.schedules?.length ? next.schedules : null } : undefined,
    create: scheduling.create,
    remove: scheduling.remove,
    events: scheduling.events,
    ...(wakeAt !== undefined ? { wakeAt } : {}),
  };
}

/** The spec checked as `conveyor validate` would; callers may keep it per metadata.generation. */
export function loadWorkflowSpec(workflow: WorkflowObject): LoadResult {
  const name = workflow.metadata.name;
  return loadWorkflowObject({ ...(workflow.spec ?? {}), name }, `workflow/${name}`, ['spec']);
}

function scheduleStatus(
  workflow: WorkflowObject,
  loaded: Workflow,
  previous: readonly ScheduleStatus[],
  runs: readonly WorkflowRunObject[],
  now: number,
  createdBy: string,
) {
  const name = workflow.metadata.name;
  const create: Record<string, unknown>[] = [];
  const remove: string[] = [];
  const events: WorkflowEvent[] = [];
  let wakeAt: number | undefined;
  const schedules = loaded.schedules.map((schedule): ScheduleStatus => {
    const old = previous.find((p) => p.name === schedule.name);
    const mine = runsOfSchedule(runs, name, schedule.name);
    const decision = decideSchedule(schedule, memoryOf(old), mine, now);
    let started: string | undefined;
    if (decision.fire !== undefined) {
      const run = scheduledRun({
        namespace: workflow.metadata.namespace,
        workflow: name,
        schedule,
        fireTime: decision.fire,
        createdBy,
      });
      create.push(run);
      remove.push(...decision.replace);
      started = (run.metadata as { name: string }).name;
      events.push({
        type: 'Normal',
        reason: 'ScheduledRun',
        message: `schedule ${schedule.name}: started ${started} for ${new Date(decision.fire).toISOString()}${decision.replace.length ? ` (replacing ${decision.replace.join(', ')})` : ''}`,
      });
    }
    const skip = decision.memory.lastSkip;
    if (skip && skip.time !== (old?.lastSkip ? Date.parse(old.lastSkip.time) : undefined))
      events.push({
        type: 'Warning',
        reason: 'ScheduleSkipped',
        message: `schedule ${schedule.name}: ${skip.message}`,
      });
    if (decision.wakeAt !== undefined) wakeAt = Math.min(wakeAt ?? Infinity, decision.wakeAt);
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
    return {
      name: schedule.name,
      ...(m.since !== undefined ? { since: iso(m.since) } : {}),
      ...(schedule.suspend ? { suspended: true } : {}),
      ...(m.lastScheduleTime !== undefined ? { lastScheduleTime: iso(m.lastScheduleTime) } : {}),
      ...(m.lastSkip ? { lastSkip: { ...m.lastSkip, time: iso(m.lastSkip.time) } } : {}),
      ...(lastRun ? { lastRun } : {}),
      nextScheduleTimes: decision.nextTimes.map(iso),
      active: [...new Set(active)].sort(),
    };
  });
  return { schedules, create, remove, events, ...(wakeAt !== undefined ? { wakeAt } : {}) };
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

function validityStatus(
  workflow: WorkflowObject,
  warnings: number,
  errors: readonly Parameters<typeof formatDiagnostic>[0][],
  now: number,
): Pick<WorkflowStatus, 'observedGeneration' | 'conditions'> {
  const generation = workflow.metadata.generation;
  const previous = ((workflow.status ?? {}) as WorkflowStatus).conditions ?? [];
  const ready = errors.length === 0;
  const message = ready
    ? `The workflow is valid${warnings ? ` (${warnings} warning(s): see status.findings)` : ''}.`
    : errors.slice(0, 5).map(formatDiagnostic).join('; ') +
      (errors.length > 5 ? ` (and ${errors.length - 5} more)` : '');
  const reason = ready ? 'Valid' : 'InvalidWorkflow';
  const drafts: Omit<Condition, 'lastTransitionTime'>[] = [
    { type: 'Ready', status: ready ? 'True' : 'False', reason, message, observedGeneration: generation },
    { type: 'Stalled', status: ready ? 'False' : 'True', reason, message, observedGeneration: generation },
    {
      type: 'Reconciling',
      status: 'False',
      reason,
      message: 'Validation is done.',
      observedGeneration: generation,
    },
  ];
  const conditions = drafts.map((d) => {
    const old = previous.find((p) => p.type === d.type);
    return {
      ...d,
      lastTransitionTime: old && old.status === d.status ? old.lastTransitionTime : iso(now),
    };
  });
  return { observedGeneration: generation, conditions };
}

function sameConditions(a: readonly Condition[], b: readonly Condition[]): boolean {
  return (
    a.length === b.length &&
    b.every((c) =>
      a.some(
        (p) =>
          p.type === c.type &&
          p.status === c.status &&
          p.message === c.message &&
          p.observedGeneration === c.observedGeneration,
      ),
    )
  );
}

const iso = (ms: number): string => new Date(ms).toISOString();
