// Semantic checks of the `monitoring` and `metrics` sections: alert conditions and messages that
// parse and name values that exist (with a did-you-mean), custom metrics and labels Prometheus
// accepts, and step tracking that some custom metric records.
import { parseBareExpression } from '../template/bare-expression.ts';
import { parseTemplate, referencedNames, suggest } from '../template/index.ts';
import type { Template } from '../template/index.ts';
import { fieldDiagnostic } from './diagnostics.ts';
import type { Diagnostic, Severity, TemplateLocator } from './diagnostics.ts';
import type { SourceRef, Workflow } from './model.ts';
import {
  ALERT_VALUES,
  PROMETHEUS_LABEL_NAME,
  RESERVED_METRIC_LABELS,
  customMetrics,
  isFedByDuration,
  monitoredMetrics,
  monitoringAlerts,
} from './observability.ts';
import { BUILTIN_NAMES } from './run-context.ts';
import { walkSteps } from './step-walk.ts';

/** Every name an alert condition or message may read for this workflow. */
export function alertNames(workflow: Workflow): Set<string> {
  return new Set<string>([
    ...Object.keys(ALERT_VALUES),
    ...customMetrics(workflow).map((m) => m.name),
    ...BUILTIN_NAMES,
    ...workflow.parameters.map((p) => p.name),
    ...workflow.variables.map((v) => v.name),
    ...workflow.conditions.map((c) => c.name),
  ]);
}

export function validateObservability(
  workflow: Workflow,
  file?: string,
  locateTemplate?: TemplateLocator,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (
    severity: Severity,
    code: string,
    ref: SourceRef,
    field: string,
    message: string,
    offset = 0,
  ): void => {
    out.push(
      fieldDiagnostic({ severity, code, message }, ref, field, file, locateTemplate?.(ref, field, offset)),
    );
  };
  checkAlerts(workflow, report);
  checkCustomMetrics(workflow, report);
  checkStepTracking(workflow, report);
  return out;
}

type Report = (
  severity: Severity,
  code: string,
  ref: SourceRef,
  field: string,
  message: string,
  offset?: number,
) => void;

function checkAlerts(workflow: Workflow, report: Report): void {
  const known = alertNames(workflow);
  const seen = new Map<string, string>();
  for (const alert of monitoringAlerts(workflow)) {
    const ref: SourceRef = { path: alert.path };
    const previous = seen.get(alert.name);
    if (previous !== undefined) {
      report(
        'error',
        'duplicate-alert',
        ref,
        'name',
        `alert '${alert.name}' is already defined at ${previous}; give one of them a different name`,
      );
    }
    seen.set(alert.name, alert.path);
    const condition = parseBareExpression(alert.condition);
    if ('error' in condition) {
      report('error', 'alert-syntax', ref, 'condition', condition.error.message, condition.error.offset);
    } else {
      checkNames(condition.template, alert.condition, known, ref, 'condition', report);
    }
    if (alert.message !== undefined && alert.message.includes('{{')) {
      const message = parseTemplate(alert.message);
      if ('error' in message) {
        report('error', 'template-syntax', ref, 'message', message.error.message, message.error.offset);
      } else {
        checkNames(message.template, alert.message, known, ref, 'message', report);
      }
    }
  }
  for (const [i, name] of monitoredMetrics(workflow).entries()) {
    if (known.has(name)) continue;
    const hint = suggest(name, Object.keys(ALERT_VALUES).concat(customMetrics(workflow).map((m) => m.name)));
    report(
      'warning',
      'unknown-monitored-metric',
      { path: `monitoring.metrics[${i}]` },
      '',
      `'${name}' is neither a run value (${Object.keys(ALERT_VALUES).slice(0, 6).join(', ')}, ...) nor a custom metric` +
        (hint ? ` (did you mean '${hint}'?)` : ''),
    );
  }
}

function checkNames(
  template: Template,
  source: string,
  known: ReadonlySet<string>,
  ref: SourceRef,
  field: string,
  report: Report,
): void {
  for (const name of referencedNames(template)) {
    if (known.has(name)) continue;
    const hint = suggest(name, known);
    const at = new RegExp(`(?<![A-Za-z0-9_])\\.?${name}(?![A-Za-z0-9_])`).exec(source);
    report(
      'error',
      'unknown-alert-value',
      ref,
      field,
      `unknown name '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}; alerts can use ${[
        ...Object.keys(ALERT_VALUES).slice(0, 5),
      ].join(', ')}, ..., the custom metrics and the parameters`,
      at?.index ?? 0,
    );
  }
}

function checkCustomMetrics(workflow: Workflow, report: Report): void {
  const seen = new Map<string, string>();
  for (const metric of customMetrics(workflow)) {
    const ref: SourceRef = { path: metric.path };
    const previous = seen.get(metric.name);
    if (previous !== undefined) {
      report(
        'error',
        'duplicate-metric',
        ref,
        'name',
        `metric '${metric.name}' is already declared at ${previous}`,
      );
    }
    seen.set(metric.name, metric.path);
    if (metric.name.startsWith('conveyor_')) {
      report(
        'warning',
        'reserved-metric-prefix',
        ref,
        'name',
        `names starting with 'conveyor_' are the controller's own metrics; a clash is reported at run time`,
      );
    }
    metric.labels.forEach((label, i) => checkLabelName(label, ref, `labels[${i}]`, report));
    if (metric.buckets !== undefined) {
      if (metric.type !== 'histogram') {
        report(
          'warning',
          'buckets-ignored',
          ref,
          'buckets',
          `buckets apply to histograms only, not to a ${metric.type}`,
        );
      }
      if (metric.buckets.some((b, i) => i > 0 && b <= (metric.buckets?.[i - 1] ?? -Infinity))) {
        report('error', 'unsorted-buckets', ref, 'buckets', 'buckets must be in increasing order');
      }
    }
  }
}

function checkLabelName(label: string, ref: SourceRef, field: string, report: Report): void {
  if (!PROMETHEUS_LABEL_NAME.test(label) || label.startsWith('__')) {
    report(
      'error',
      'invalid-label-name',
      ref,
      field,
      `'${label}' is not a Prometheus label name (letters, digits and '_', not starting with a digit or '__')`,
    );
  } else if (RESERVED_METRIC_LABELS.has(label)) {
    report(
      'error',
      'reserved-label-name',
      ref,
      field,
      `label '${label}' is set by Conveyor (reserved: ${[...RESERVED_METRIC_LABELS].join(', ')}); choose another name`,
    );
  }
}

function checkStepTracking(workflow: Workflow, report: Report): void {
  const metrics = customMetrics(workflow);
  const durationMetrics = metrics.filter((m) => isFedByDuration(m.type));
  const counters = metrics.filter((m) => m.type === 'counter');
  for (const { step } of walkSteps(workflow)) {
    const tracking = step.metrics;
    if (!tracking) continue;
    for (const key of Object.keys(tracking.customLabels)) {
      const field = `metrics.custom_labels.${key}`;
      const ref = step.source;
      if (!PROMETHEUS_LABEL_NAME.test(key) || key.startsWith('__')) {
        report('error', 'invalid-label-name', ref, field, `'${key}' is not a Prometheus label name`);
      } else if (RESERVED_METRIC_LABELS.has(key)) {
        report(
          'error',
          'reserved-label-name',
          ref,
          field,
          `label '${key}' is set by Conveyor; choose another name`,
        );
      }
    }
    if (tracking.trackDuration && durationMetrics.length === 0) {
      report(
        'warning',
        'untracked-duration',
        step.source,
        'metrics.track_duration',
        'nothing records this duration: declare a histogram, summary or gauge in metrics.custom_metrics',
      );
    }
    if (tracking.trackSuccess && counters.length === 0) {
      report(
        'warning',
        'untracked-success',
        step.source,
        'metrics.track_success',
        'nothing counts this outcome: declare a counter in metrics.custom_metrics',
      );
    }
  }
}
