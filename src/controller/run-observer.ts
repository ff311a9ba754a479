// What a reconcile reports about a run besides its Jobs: alerts that fire (a Warning Event, a
// metric, a notification), notifications of the run's events, and the custom metrics its tracked
// steps feed. `observe` decides, before the status write, what status must record (fired alerts and
// notification results, so each happens once per run across reconciles and restarts; run-status.ts
// puts them there); `commit` acts after the write succeeded, so a lost write is decided again rather
// than acted on twice.
import type { Registry } from 'prom-client';
import { evaluateAlerts } from '../engine/alerts.ts';
import type { AlertRecord } from '../engine/notification-events.ts';
import { newStepMetricSamples } from '../engine/step-metrics.ts';
import type { StepMetricSample } from '../engine/step-metrics.ts';
import type { Plan, RunState } from '../engine/types.ts';
import { createAlertsFiredCounter } from '../observability/alert-metrics.ts';
import type { AlertsFiredCounter } from '../observability/alert-metrics.ts';
import { CustomMetrics } from '../observability/custom-metrics.ts';
import type { MetricConflict } from '../observability/custom-metrics.ts';
import { silentLogger } from '../observability/logger.ts';
import type { Logger } from '../observability/logger.ts';
import type { NotificationsConfig } from '../observability/notifications/config.ts';
import type { Delivery, Notifier } from '../observability/notifications/notifier.ts';
import { createRunNotifications } from '../observability/notifications/run-notifications.ts';
import type {
  RunNotifications,
  RunNotificationsSetup,
  RunRef,
} from '../observability/notifications/run-notifications.ts';
import {
  customMetricLabelNames,
  customMetrics,
  isFedByDuration,
  monitoringAlerts,
} from '../spec/observability.ts';
import type { RunApi } from './run-api.ts';
import type { WorkflowRunObject } from './resources.ts';

/** An alert that fired, as WorkflowRun.status.alerts lists it. */
export interface AlertStatus {
  readonly name: string;
  readonly severity: string;
  readonly condition: string;
  readonly message: string;
  readonly firedAt: string;
}

/** What the observer has status record (run-status.ts writes it; the observer reads it back). */
export interface ObservedStatus {
  alerts?: AlertStatus[];
  /** Notification results by event key (`started`, `requires_approval:deploy`, ...). */
  notifications?: Record<string, string>;
}

export interface ObserveInput {
  readonly api: RunApi;
  readonly run: WorkflowRunObject;
  readonly plan: Plan;
  /** The state loaded at the start of the reconcile, and the one about to be written. */
  readonly before: RunState;
  readonly after: RunState;
  readonly workflow: string;
  readonly now: number;
}

export interface RunObservation {
  /** For the status written by this reconcile (always: an unchanged status then compares equal). */
  readonly results: ObservedStatus;
  /** Reconcile again by then (a time-based alert may fire). */
  readonly wakeAt?: number;
  /** Act on what was decided; call once the status is written (or found unchanged). */
  commit(): void;
}

export interface RunObserverOptions {
  readonly registry: Registry;
  /** The operator's notifications config; without one nothing is sent. */
  readonly notifications?: NotificationsConfig;
  /** Reconcile a run again: one of its notifications settled and its result is to be recorded. */
  readonly requeue?: (namespace: string, name: string) => void;
  /** Tests replace the HTTP client, secrets or the retry wait. */
  readonly notificationDeps?: Pick<RunNotificationsSetup, 'channelDeps' | 'sleep'>;
  /** Records an Event on a Workflow (metric conflicts are about it); optional. */
  readonly workflowEvent?: (namespace: string, workflow: string, reason: string, message: string) => void;
  readonly logger?: Logger;
}

export class RunObserver {
  private readonly metrics: CustomMetrics;
  private readonly alertsFired: AlertsFiredCounter;
  private readonly log: Logger;
  private readonly notifications?: RunNotifications;
  private readonly notifier?: Notifier;
  /** `uid/what` already reported in this process (metric conflicts, alert problems, unknown channels). */
  private readonly reported = new Set<string>();

  constructor(private readonly options: RunObserverOptions) {
    this.metrics = new CustomMetrics(options.registry);
    this.alertsFired = createAlertsFiredCounter(options.registry);
    this.log = options.logger ?? silentLogger();
    if (options.notifications) {
      const { notifications, notifier } = createRunNotifications(options.notifications, {
        registry: options.registry,
        logger: this.log,
        onSettled: (ref) => {
          if (ref.namespace !== undefined) options.requeue?.(ref.namespace, ref.run);
        },
        ...options.notificationDeps,
      });
      this.notifications = notifications;
      this.notifier = notifier;
    }
  }

  /**
   * Whether a finished run may still need reconciles: its notifications are sent after it ends and
   * their results recorded in its status (settled runs are otherwise left alone, finished-run.ts).
   */
  get followsFinishedRuns(): boolean {
    return this.notifications !== undefined;
  }

  /** Waits (up to the config's drain timeout) for queued notifications, then stops delivering. */
  async stop(): Promise<void> {
    await this.notifier?.stop(this.options.notifications?.delivery.drainTimeoutMs ?? 0);
  }

  observe(input: ObserveInput): RunObservation {
    const { run, plan } = input;
    const previous = (run.status ?? {}) as ObservedStatus;
    const { fired, wakeAt } = this.alertsDue(input, previous.alerts ?? []);
    const alerts = [...(previous.alerts ?? []), ...fired];
    const ref: RunRef = {
      id: run.metadata.uid,
      run: run.metadata.name,
      namespace: run.metadata.namespace,
      workflow: input.workflow,
    };
    const notifications = this.notificationsDue(ref, input, alerts, previous.notifications);
    // Custom metrics: declared from the pinned workflow; steps are recorded when they finish.
    const owner = `${run.metadata.namespace}/${input.workflow}`;
    const conflicts = this.declare(owner, plan, run);
    const samples = newStepMetricSamples(plan, input.before, input.after);
    const recorded: ObservedStatus = {
      ...(alerts.length > 0 ? { alerts } : {}),
      ...(notifications.results !== undefined ? { notifications: notifications.results } : {}),
    };
    return {
      results: recorded,
      ...(wakeAt !== undefined ? { wakeAt } : {}),
      commit: () => {
        for (const alert of fired) this.reportAlert(input, alert);
        this.recordSamples(owner, plan, run.metadata.namespace, input.workflow, samples);
        for (const conflict of conflicts) this.reportConflict(input, conflict);
        for (const channel of notifications.unknownChannels) this.reportUnknownChannel(input, channel);
        if (notifications.deliveries.length > 0) this.notifications?.send(ref, notifications.deliveries);
      },
    };
  }

  /** Alerts that fire now: those already in status never fire again for this run. */
  private alertsDue(
    input: ObserveInput,
    known: readonly AlertStatus[],
  ): { fired: AlertStatus[]; wakeAt?: number } {
    const { run, plan, after, now } = input;
    if (monitoringAlerts(plan.workflow).length === 0 || !isRecent(input.before, after, now))
      return { fired: [] };
    const evaluation = evaluateAlerts(plan, after, now, new Set(known.map((a) => a.name)));
    for (const problem of evaluation.problems) {
      if (this.once(`${run.metadata.uid}/alert/${problem.name}`))
        this.log.warn(
          {
            run: run.metadata.name,
            namespace: run.metadata.namespace,
            alert: problem.name,
            reason: problem.message,
          },
          'An alert condition could not be evaluated; it does not fire.',
        );
    }
    return {
      fired: evaluation.fired.map((a) => ({ ...a, firedAt: new Date(a.firedAt).toISOString() })),
      ...(evaluation.nextCheckAt !== undefined ? { wakeAt: evaluation.nextCheckAt } : {}),
    };
  }

  /** Notifications: results recorded in status are final; the rest are sent (again, after a crash). */
  private notificationsDue(
    ref: RunRef,
    input: ObserveInput,
    alerts: readonly AlertStatus[],
    recorded: Record<string, string> | undefined,
  ): {
    deliveries: readonly Delivery[];
    results?: Record<string, string>;
    unknownChannels: readonly string[];
  } {
    if (!this.notifications)
      return {
        deliveries: [],
        unknownChannels: [],
        ...(recorded !== undefined ? { results: recorded } : {}),
      };
    const due = this.notifications.due(
      ref,
      input.plan,
      input.after,
      alerts.map(toAlertRecord),
      recorded ?? {},
      input.now,
    );
    const results = Object.keys(due.results).length > 0 ? { ...due.results } : recorded;
    return {
      deliveries: due.deliveries,
      unknownChannels: due.unknownChannels,
      ...(results !== undefined ? { results } : {}),
    };
  }

  private reportAlert(input: ObserveInput, alert: AlertStatus): void {
    const { run } = input;
    input.api.recordEvent(
      run,
      'Warning',
      'AlertFired',
      `${alert.severity} alert ${alert.name}: ${alert.message}`,
    );
    this.alertsFired.inc({ workflow: input.workflow, alert: alert.name, severity: alert.severity });
    this.log.warn(
      {
        run: run.metadata.name,
        namespace: run.metadata.namespace,
        workflow: input.workflow,
        alert: alert.name,
        severity: alert.severity,
      },
      `Alert fired: ${alert.message}`,
    );
  }

  private reportUnknownChannel(input: ObserveInput, channel: string): void {
    if (!this.once(`${input.run.metadata.uid}/channel/${channel}`)) return;
    input.api.recordEvent(
      input.run,
      'Warning',
      'NotificationChannelUnknown',
      `The workflow sends notifications to channel ${channel}, which the operator's notifications config does not define; nothing is sent there.`,
    );
  }

  /** The run is gone: forget what was tracked for it. */
  forget(uid: string): void {
    this.notifications?.forget(uid);
    for (const key of this.reported) if (key.startsWith(`${uid}/`)) this.reported.delete(key);
  }

  private declare(owner: string, plan: Plan, run: WorkflowRunObject): MetricConflict[] {
    const specs = customMetrics(plan.workflow);
    if (specs.length === 0) return [];
    const version = Date.parse(run.metadata.creationTimestamp ?? '') || 0;
    return this.metrics.declare(
      owner,
      specs.map((m) => ({
        name: m.name,
        type: m.type,
        help: m.description ?? `Custom metric of workflow ${plan.workflow.name}.`,
        labelNames: customMetricLabelNames(plan.workflow, m),
        ...(m.buckets ? { buckets: m.buckets } : {}),
      })),
      version,
    );
  }

  private recordSamples(
    owner: string,
    plan: Plan,
    namespace: string,
    workflow: string,
    samples: readonly StepMetricSample[],
  ): void {
    if (samples.length === 0) return;
    const specs = customMetrics(plan.workflow);
    for (const sample of samples) {
      const labels = { ...sample.labels, workflow, namespace, step: sample.step };
      for (const m of specs) {
        if (m.type === 'counter') {
          if (sample.trackSuccess)
            this.metrics.record(owner, m.name, m.type, { ...labels, outcome: sample.outcome }, 1);
        } else if (isFedByDuration(m.type) && sample.trackDuration) {
          this.metrics.record(owner, m.name, m.type, labels, sample.seconds);
        }
      }
    }
  }

  private reportConflict(input: ObserveInput, conflict: MetricConflict): void {
    const { run } = input;
    if (!this.once(`${run.metadata.uid}/metric/${conflict.name}`)) return;
    this.log.warn(
      {
        run: run.metadata.name,
        namespace: run.metadata.namespace,
        workflow: input.workflow,
        metric: conflict.name,
      },
      conflict.message,
    );
    input.api.recordEvent(run, 'Warning', 'MetricConflict', conflict.message);
    if (
      run.spec?.workflowRef?.name &&
      this.once(`workflow:${run.metadata.namespace}/${input.workflow}/metric/${conflict.name}`)
    )
      this.options.workflowEvent?.(
        run.metadata.namespace,
        input.workflow,
        'MetricConflict',
        conflict.message,
      );
  }

  private once(key: string): boolean {
    if (this.reported.has(key)) return false;
    this.reported.add(key);
    return true;
  }
}

/**
 * Alerts are evaluated while a run goes on and when it ends; a run that ended long ago (found by a
 * controller upgraded to evaluate alerts, say) is left alone rather than alerted about now.
 */
const FINISHED_ALERT_WINDOW_MS = 10 * 60_000;

function isRecent(before: RunState, after: RunState, now: number): boolean {
  if (after.stage !== 'done' || before.stage !== 'done') return true;
  return now - (after.finishedAt ?? 0) <= FINISHED_ALERT_WINDOW_MS;
}

function toAlertRecord(a: AlertStatus): AlertRecord {
  return { ...a, firedAt: Date.parse(a.firedAt) || 0 };
}
