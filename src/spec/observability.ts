// The workflow's `notifications`, `monitoring` and `metrics` sections read into typed values, and
// the names an alert condition may use. The normaliser keeps these sections as written; everything
// that interprets them (validation, the engine's alert evaluation, the controller) reads them here.
import type { Workflow } from './model.ts';
import { walkSteps } from './step-walk.ts';

export const NOTIFICATION_EVENTS = [
  'started',
  'completed',
  'failed',
  'requires_approval',
  'rolled_back',
  'alert',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export interface NotificationSettings {
  /** Channel names the workflow asks for; undefined means every channel the operator configured. */
  readonly channels?: readonly string[];
  /** Events to send; every event when the workflow lists none. */
  readonly events: readonly NotificationEvent[];
}

/** Undefined when the workflow has no `notifications` section (nothing is sent for it). */
export function notificationSettings(workflow: Workflow): NotificationSettings | undefined {
  const raw = workflow.notifications as { channels?: unknown; events?: unknown } | undefined;
  if (!raw) return undefined;
  const channels = Array.isArray(raw.channels) ? raw.channels.map(String) : undefined;
  const events = Array.isArray(raw.events)
    ? NOTIFICATION_EVENTS.filter((e) => (raw.events as unknown[]).includes(e))
    : [...NOTIFICATION_EVENTS];
  return { ...(channels ? { channels } : {}), events };
}

export interface AlertSpec {
  /** `name` as written, else the condition itself: the `alert` label and the key in status. */
  readonly name: string;
  readonly condition: string;
  /** Default `warning`. */
  readonly severity: string;
  /** A template over the alert context; a default sentence when absent. */
  readonly message?: string;
  /** Field path of the alert, e.g. `monitoring.alerts[0]`. */
  readonly path: string;
}

export function monitoringAlerts(workflow: Workflow): AlertSpec[] {
  const raw = workflow.monitoring as { alerts?: unknown } | undefined;
  if (!Array.isArray(raw?.alerts)) return [];
  return (raw.alerts as Record<string, unknown>[]).map((a, i) => ({
    name: typeof a.name === 'string' && a.name !== '' ? a.name : String(a.condition),
    condition: String(a.condition),
    severity: typeof a.severity === 'string' && a.severity !== '' ? a.severity : 'warning',
    ...(typeof a.message === 'string' ? { message: a.message } : {}),
    path: `monitoring.alerts[${i}]`,
  }));
}

/** `monitoring.metrics`: the run values the workflow says it watches. */
export function monitoredMetrics(workflow: Workflow): string[] {
  const raw = workflow.monitoring as { metrics?: unknown } | undefined;
  return Array.isArray(raw?.metrics) ? raw.metrics.map(String) : [];
}

export type CustomMetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

export interface CustomMetricSpec {
  readonly name: string;
  readonly type: CustomMetricType;
  readonly description?: string;
  /** Declared label names, besides the ones every custom metric has. */
  readonly labels: readonly string[];
  readonly buckets?: readonly number[];
  /** Field path, e.g. `metrics.custom_metrics[1]`. */
  readonly path: string;
}

/** `metrics.custom_metrics`; none when `metrics.enabled` is false. */
export function customMetrics(workflow: Workflow): CustomMetricSpec[] {
  const raw = workflow.metrics as { enabled?: unknown; custom_metrics?: unknown } | undefined;
  if (!raw || raw.enabled === false || !Array.isArray(raw.custom_metrics)) return [];
  return (raw.custom_metrics as Record<string, unknown>[]).map((m, i) => ({
    name: String(m.name),
    type: m.type as CustomMetricType,
    ...(typeof m.description === 'string' ? { description: m.description } : {}),
    labels: Array.isArray(m.labels) ? m.labels.map(String) : [],
    ...(Array.isArray(m.buckets) ? { buckets: m.buckets.map(Number) } : {}),
    path: `metrics.custom_metrics[${i}]`,
  }));
}

/** Which step tracking feeds a custom metric of this type (see docs/notifications-and-metrics.md). */
export function isFedByDuration(type: CustomMetricType): boolean {
  return type !== 'counter';
}

/** Labels every custom metric carries, in this order, before its declared and custom labels. */
export const STANDARD_METRIC_LABELS = ['workflow', 'namespace', 'step'] as const;
/** The label a counter fed by `track_success` carries: `success` or `failure`. */
export const OUTCOME_LABEL = 'outcome';
/** Label names Prometheus or our own series reserve. */
export const RESERVED_METRIC_LABELS = new Set<string>([
  ...STANDARD_METRIC_LABELS,
  OUTCOME_LABEL,
  'le',
  'quantile',
]);
export const PROMETHEUS_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Values an alert condition can use, besides the run's parameters, variables and conditions and the
 * workflow's custom metrics. Durations are seconds; `steps` maps step names to
 * `{ phase, duration, attempts }`.
 */
export const ALERT_VALUES: Readonly<Record<string, string>> = {
  duration: 'seconds since the run started (to its end once finished)',
  run_duration: 'the same as duration',
  deployment_duration: 'the same as duration (the seed name)',
  success_rate: 'succeeded / finished steps, 0 to 1 (1 while none has finished)',
  rollback_count: 'rollbacks in this run: the workflow rollback plus steps undone by atomic groups',
  failed_steps: 'steps that failed',
  succeeded_steps: 'steps that succeeded (or fell back)',
  skipped_steps: 'steps skipped',
  finished_steps: 'steps finished, whatever the outcome',
  running_steps: 'steps running now',
  total_steps: 'steps in the run',
  retries: 'retries of steps so far',
  phase: "the run's phase: Running, Succeeded, Failed, ...",
  finished: 'true once the run has finished',
  steps: 'per step: .steps.NAME.phase, .duration (seconds) and .attempts',
};

/** Values whose value grows with the clock while a run goes on. */
export const TIME_DEPENDENT_ALERT_VALUES: ReadonlySet<string> = new Set([
  'duration',
  'run_duration',
  'deployment_duration',
  'steps',
]);

/**
 * The label names of a custom metric for one workflow: `workflow`, `namespace`, `step`, then its
 * declared `labels`, then the `custom_labels` keys of the steps that feed it, then `outcome` for a
 * counter. Steps feed histograms, summaries and gauges with `track_duration`, counters with
 * `track_success`.
 */
export function customMetricLabelNames(workflow: Workflow, metric: CustomMetricSpec): string[] {
  const names = new Set<string>([...STANDARD_METRIC_LABELS, ...metric.labels]);
  const feeds = (m: { trackDuration: boolean; trackSuccess: boolean }): boolean =>
    isFedByDuration(metric.type) ? m.trackDuration : m.trackSuccess;
  for (const { step } of walkSteps(workflow)) {
    if (step.metrics && feeds(step.metrics))
      for (const key of Object.keys(step.metrics.customLabels)) names.add(key);
  }
  if (metric.type === 'counter') names.add(OUTCOME_LABEL);
  return [...names];
}
