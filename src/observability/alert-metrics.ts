// The counter of `monitoring.alerts` that fired, by workflow, alert and severity: one increment per
// alert per run (a run records the alerts it fired in its status, so a restart never counts twice).
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';

export type AlertsFiredCounter = Counter<'workflow' | 'alert' | 'severity'>;

export function createAlertsFiredCounter(registry: Registry): AlertsFiredCounter {
  return new Counter({
    name: 'conveyor_alerts_fired_total',
    help: 'Workflow alerts (monitoring.alerts) that fired, once per run, by workflow, alert and severity.',
    labelNames: ['workflow', 'alert', 'severity'] as const,
    registers: [registry],
  });
}
