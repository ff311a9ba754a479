// Notifications and alerts of a local run (`conveyor run --notifications-config FILE`): the same
// events and alerts as in a cluster, delivered from this process. What was handled is kept in
// memory only, so a `conveyor resume` sends the run's earlier events again unless they are older
// than the config's delivery.maxEventAge.
import { Registry } from 'prom-client';
import { evaluateAlerts } from '../engine/alerts.ts';
import type { FiredAlert } from '../engine/alerts.ts';
import type { Plan, RunState } from '../engine/types.ts';
import type { NotificationsConfig } from '../observability/notifications/config.ts';
import type { Notifier } from '../observability/notifications/notifier.ts';
import { createRunNotifications } from '../observability/notifications/run-notifications.ts';
import type {
  NotificationResult,
  RunNotifications,
  RunRef,
} from '../observability/notifications/run-notifications.ts';
import { monitoringAlerts } from '../spec/observability.ts';

export class LocalRunSignals {
  private readonly notifications: RunNotifications;
  private readonly notifier: Notifier;
  private readonly ref: RunRef;
  private readonly results: Record<string, NotificationResult> = {};
  private readonly fired: FiredAlert[] = [];
  private timer: NodeJS.Timeout | undefined;
  private last: RunState | undefined;

  constructor(
    private readonly config: NotificationsConfig,
    private readonly plan: Plan,
    runId: string,
    private readonly now: () => number,
    /** Tells the person at the terminal (an alert fired). */
    private readonly note: (text: string) => void,
  ) {
    const { notifications, notifier } = createRunNotifications(config, {
      registry: new Registry(),
      onSettled: (_ref, key, result) => {
        this.results[key] = result;
      },
    });
    this.notifications = notifications;
    this.notifier = notifier;
    this.ref = { id: runId, run: runId, workflow: plan.workflow.name };
  }

  /** After every engine decision. */
  onState(state: RunState): void {
    this.last = state;
    const now = this.now();
    if (monitoringAlerts(this.plan.workflow).length > 0) {
      const evaluation = evaluateAlerts(this.plan, state, now, new Set(this.fired.map((a) => a.name)));
      for (const alert of evaluation.fired) {
        this.fired.push(alert);
        this.note(`Alert (${alert.severity}) ${alert.name}: ${alert.message}`);
      }
      clearTimeout(this.timer);
      this.timer = undefined;
      if (evaluation.nextCheckAt !== undefined) {
        // Conditions on durations become true with time alone.
        this.timer = setTimeout(
          () => this.last && this.onState(this.last),
          Math.max(0, evaluation.nextCheckAt - now),
        );
        this.timer.unref();
      }
    }
    const due = this.notifications.due(this.ref, this.plan, state, this.fired, this.results, now);
    Object.assign(this.results, due.results);
    this.notifications.send(this.ref, due.deliveries);
  }

  /** The run ended (or stopped for approval): deliver what is queued, within the drain timeout. */
  async finish(state: RunState): Promise<string> {
    this.onState(state);
    clearTimeout(this.timer);
    await Promise.race([
      this.notifier.idle(),
      new Promise((resolve) => setTimeout(resolve, this.config.delivery.drainTimeoutMs).unref()),
    ]);
    await this.notifier.stop(0);
    const counts = new Map<string, number>();
    for (const result of Object.values(this.results)) counts.set(result, (counts.get(result) ?? 0) + 1);
    if (counts.size === 0) return '';
    return `Notifications: ${[...counts].map(([r, n]) => `${n} ${r.toLowerCase()}`).join(', ')}.\n`;
  }
}
