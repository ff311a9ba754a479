// The default names of schedules: `<workflow>-<environment>-<cadence>`, as the seed's
// `deployment-production-weekly`.
import { createHash } from 'node:crypto';
import { dnsLabelPart } from '../../spec/kubernetes-name.ts';

/**
 * `<workflow>-<environment>-<cadence>`, such as `deployment-production-weekly`: the cadence is
 * hourly, daily, weekly, monthly or yearly when the expression plainly is one, else a short hash.
 */
export function defaultScheduleName(workflow: string, environment: string | undefined, cron: string): string {
  const cadence = cadenceOf(cron) ?? `cron-${createHash('sha256').update(cron).digest('hex').slice(0, 6)}`;
  const parts = [workflow, ...(environment ? [environment] : []), cadence].map(dnsLabelPart);
  const tail = parts.slice(1).join('-');
  return `${parts[0]!.slice(0, 62 - tail.length).replace(/-+$/, '')}-${tail}`;
}

function cadenceOf(cron: string): string | undefined {
  const fields = cron.trim().split(/\s+/);
  const [minute, hour, day, month, weekday] = fields.length === 6 ? fields.slice(1) : fields;
  const n = (f: string | undefined) => f !== undefined && /^\d+$/.test(f);
  if (fields.length === 6 && !n(fields[0])) return undefined;
  if (!n(minute)) return undefined;
  if (hour === '*' && day === '*' && month === '*' && weekday === '*') return 'hourly';
  if (!n(hour)) return undefined;
  if (day === '*' && month === '*' && weekday === '*') return 'daily';
  if (day === '*' && month === '*' && n(weekday)) return 'weekly';
  if (n(day) && month === '*' && weekday === '*') return 'monthly';
  if (n(day) && n(month) && weekday === '*') return 'yearly';
  return undefined;
}
