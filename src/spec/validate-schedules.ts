// Checks of `schedules` that the schema cannot make: a cron expression and time zone that parse,
// names unique once turned into run names, and parameters the workflow declares.
import { suggest } from '../template/index.ts';
import { cronProblem, DEFAULT_TIMEZONE } from './cron.ts';
import { dnsLabelPart } from './kubernetes-name.ts';
import type { Schedule, SourceRef, Workflow } from './model.ts';
import { BUILTIN_NAMES } from './run-context.ts';

type Report = (
  severity: 'error' | 'warning',
  code: string,
  ref: SourceRef,
  message: string,
  field?: string,
) => void;

/** Reports at the field's own position when it is known, else at the schedule's. */
function at(schedule: Schedule, field: keyof Schedule['fieldSources']): [SourceRef, string | undefined] {
  const ref = schedule.fieldSources[field];
  return ref ? [ref, undefined] : [schedule.source, field];
}

export function checkSchedules(workflow: Workflow, report: Report): void {
  const names = new Map<string, string>();
  const declared = workflow.parameters.map((p) => p.name);
  for (const schedule of workflow.schedules) {
    const key = dnsLabelPart(schedule.name);
    const other = names.get(key);
    if (other !== undefined) {
      const [ref, field] = at(schedule, 'name');
      report(
        'error',
        'duplicate-schedule',
        ref,
        other === schedule.name
          ? `schedule name '${schedule.name}' is already used`
          : `schedule names '${other}' and '${schedule.name}' look the same in run names ('${key}')`,
        field,
      );
    } else names.set(key, schedule.name);
    const problem = cronProblem(schedule.cron, schedule.timezone ?? DEFAULT_TIMEZONE);
    if (problem !== undefined) {
      const [ref, field] = at(schedule, problem.startsWith('unknown time zone') ? 'timezone' : 'cron');
      report('error', 'invalid-schedule', ref, problem, field);
    }
    for (const name of Object.keys(schedule.parameters)) {
      if (declared.includes(name) || name === 'environment') continue;
      const hint = suggest(name, [...declared, ...BUILTIN_NAMES.filter((n) => n === 'environment')]);
      const [ref, field] = at(schedule, 'parameters');
      report(
        'error',
        'unknown-parameter',
        ref,
        `unknown parameter '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}`,
        field === undefined ? name : `${field}.${name}`,
      );
    }
  }
}
