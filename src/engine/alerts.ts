// `monitoring.alerts` evaluated over a run: the values an alert condition sees (durations so far,
// step counts, success rate, rollbacks, the custom metrics' values for this run, the parameters),
// which alerts fire now, and when to look again for conditions that become true with time alone.
// Pure: the time comes in as an argument; the caller keeps which alerts already fired.
import { customMetrics, monitoringAlerts, TIME_DEPENDENT_ALERT_VALUES } from '../spec/observability.ts';
import type { AlertSpec } from '../spec/observability.ts';
import { parseBareExpression } from '../template/bare-expression.ts';
import { parsedOnce } from './parse-cache.ts';
import {
  evaluateValue,
  isTruthy,
  parseTemplate,
  referencedNames,
  renderTemplate,
} from '../template/index.ts';
import type { Template } from '../template/index.ts';
import { stepMetricSamples } from './step-metrics.ts';
import type { Plan, RunState } from './types.ts';

/** While a run goes on, conditions that grow with time are looked at again at least this often. */
export const ALERT_RECHECK_MS = 30_000;

export interface FiredAlert {
  readonly name: string;
  readonly severity: string;
  readonly condition: string;
  readonly message: string;
  readonly firedAt: number;
}

export interface AlertProblem {
  readonly name: string;
  readonly message: string;
}

export interface AlertEvaluation {
  /** Alerts whose condition is true now and that had not fired before. */
  readonly fired: readonly FiredAlert[];
  /** Conditions that could not be evaluated (they do not fire). */
  readonly problems: readonly AlertProblem[];
  /** When a condition that depends on time alone should be evaluated again (running runs only). */
  readonly nextCheckAt?: number;
}

/**
 * What an alert condition reads (see ALERT_VALUES in src/spec/observability.ts): the run's own
 * values win over custom metrics of the same name, which win over parameters and variables.
 */
export function alertValues(plan: Plan, state: RunState, now: number): Record<string, unknown> {
  const end = state.finishedAt ?? now;
  const duration = state.startedAt === undefined ? 0 : Math.max(0, (end - state.startedAt) / 1000);
  let failed = 0;
  let succeeded = 0;
  let skipped = 0;
  let finished = 0;
  let running = 0;
  let total = 0;
  let retries = 0;
  let undone = 0;
  const steps: Record<string, { phase: string; duration: number; attempts: number }> = {};
  for (let i = 0; i < plan.mainNodeCount; i++) {
    const node = plan.nodes[i];
    const s = state.steps[i];
    if (!node || !s) continue;
    const stepEnd = s.finishedAt ?? now;
    steps[node.name] = {
      phase: s.phase,
      duration: s.startedAt === undefined ? 0 : seconds(stepEnd - s.startedAt),
      attempts: s.history.length,
    };
    if (s.undone !== undefined) undone++;
    if (node.isGroup) continue;
    total++;
    const mainTries = s.history.filter((h) => h.purpose === 'main').length;
    retries += Math.max(0, mainTries - 1);
    if (s.phase === 'Succeeded' || s.phase === 'FellBack') succeeded++;
    else if (s.phase === 'Failed') failed++;
    else if (s.phase === 'Skipped') skipped++;
    else if (s.phase === 'Running' || s.phase === 'Retrying') running++;
    if (['Succeeded', 'FellBack', 'Failed', 'Skipped', 'Cancelled'].includes(s.phase)) finished++;
  }
  const outcomes = succeeded + failed;
  const own: Record<string, unknown> = {
    duration: seconds(duration * 1000),
    run_duration: seconds(duration * 1000),
    deployment_duration: seconds(duration * 1000),
    success_rate: outcomes === 0 ? 1 : succeeded / outcomes,
    rollback_count: (state.rollback ? 1 : 0) + undone,
    failed_steps: failed,
    succeeded_steps: succeeded,
    skipped_steps: skipped,
    finished_steps: finished,
    running_steps: running,
    total_steps: total,
    retries,
    phase: state.phase,
    finished: state.stage === 'done',
    steps,
  };
  return { ...state.context, outputs: state.outputs, ...customMetricValues(plan, state), ...own };
}

/**
 * A custom metric's value for this run: the seconds a histogram or summary observed (their sum),
 * the last duration a gauge was set to, the outcomes a counter counted.
 */
function customMetricValues(plan: Plan, state: RunState): Record<string, number> {
  const metrics = customMetrics(plan.workflow);
  if (metrics.length === 0) return {};
  const samples = stepMetricSamples(plan, state);
  const timed = samples.filter((s) => s.trackDuration);
  const last = [...timed].sort((a, b) => a.finishedAt - b.finishedAt).at(-1);
  const out: Record<string, number> = {};
  for (const m of metrics) {
    if (m.type === 'counter') out[m.name] = samples.filter((s) => s.trackSuccess).length;
    else if (m.type === 'gauge') out[m.name] = last?.seconds ?? 0;
    else out[m.name] = seconds(timed.reduce((sum, s) => sum + s.seconds * 1000, 0));
  }
  return out;
}

export function evaluateAlerts(
  plan: Plan,
  state: RunState,
  now: number,
  alreadyFired: ReadonlySet<string>,
): AlertEvaluation {
  const alerts = monitoringAlerts(plan.workflow).filter((a) => !alreadyFired.has(a.name));
  if (alerts.length === 0 || state.startedAt === undefined) return { fired: [], problems: [] };
  const values = alertValues(plan, state, now);
  const fired: FiredAlert[] = [];
  const problems: AlertProblem[] = [];
  let nextCheckAt: number | undefined;
  for (const alert of alerts) {
    const condition = parsedCondition(plan, alert.condition);
    if ('message' in condition) {
      problems.push({ name: alert.name, message: condition.message });
      continue;
    }
    const result = evaluateValue(condition.template, values);
    if (!result.ok) {
      problems.push({ name: alert.name, message: `condition '${alert.condition}': ${result.error.message}` });
      continue;
    }
    if (isTruthy(result.value)) {
      fired.push({
        name: alert.name,
        severity: alert.severity,
        condition: alert.condition,
        message: alertMessage(alert, condition.template, values),
        firedAt: now,
      });
      continue;
    }
    if (state.stage === 'done') continue;
    const timed = [...referencedNames(condition.template)].some((n) => TIME_DEPENDENT_ALERT_VALUES.has(n));
    if (!timed) continue;
    const at = crossingTimes(alert.condition, state.startedAt, now).concat(now + ALERT_RECHECK_MS);
    nextCheckAt = Math.min(nextCheckAt ?? Infinity, ...at);
  }
  return { fired, problems, ...(nextCheckAt !== undefined ? { nextCheckAt } : {}) };
}

/**
 * The times at which a duration compared with a number in the condition passes that number: for
 * `deployment_duration > 1800` the run's start plus 1,800 s (and a millisecond, for `>`).
 */
function crossingTimes(condition: string, startedAt: number, now: number): number[] {
  const numbers = condition.match(/(?<![A-Za-z_.\d])\d+(?:\.\d+)?/g) ?? [];
  return numbers.map((n) => startedAt + Math.ceil(Number(n) * 1000) + 1).filter((t) => t > now);
}

function alertMessage(alert: AlertSpec, condition: Template, values: Record<string, unknown>): string {
  if (alert.message !== undefined) {
    if (!alert.message.includes('{{')) return alert.message;
    const parsed = parseTemplate(alert.message);
    if ('template' in parsed) {
      const rendered = renderTemplate(parsed.template, values);
      if (rendered.ok) return rendered.value;
    }
    return alert.message;
  }
  const shown = [...referencedNames(condition)]
    .map((name) => [name, values[name]] as const)
    .filter(([, v]) => typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean')
    .map(([name, v]) => `${name} = ${typeof v === 'number' ? round(v) : String(v)}`);
  return `${alert.severity} alert: ${alert.condition}${shown.length ? ` (${shown.join(', ')})` : ''}`;
}

const parsedCondition = (plan: Plan, source: string) => parsedOnce(plan, source, parseBareExpression);

const seconds = (ms: number): number => Math.round(ms) / 1000;
const round = (n: number): string => String(Math.round(n * 1000) / 1000);
