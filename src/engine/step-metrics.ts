// What a run's tracked steps feed into the workflow's custom metrics: one sample per finished step
// with `metrics.track_duration` or `metrics.track_success`, with its outcome, duration and labels.
// Pure: the controller records the samples that are new since the state it last wrote.
import { customMetrics } from '../spec/observability.ts';
import { renderText } from './render.ts';
import type { Plan, RunState, StepState } from './types.ts';

export interface StepMetricSample {
  readonly step: string;
  /** Succeeded and FellBack count as success; Failed as failure. */
  readonly outcome: 'success' | 'failure';
  /** From the step's first start to its end, retries included. */
  readonly seconds: number;
  readonly finishedAt: number;
  readonly trackDuration: boolean;
  readonly trackSuccess: boolean;
  /**
   * Label values: the step's `custom_labels` (templates rendered over the run's values), and for a
   * declared label the step does not set, the run's parameter or variable of that name.
   */
  readonly labels: Readonly<Record<string, string>>;
}

/** Every tracked step that has finished with an outcome, in plan order. */
export function stepMetricSamples(plan: Plan, state: RunState): StepMetricSample[] {
  const declared = new Set(customMetrics(plan.workflow).flatMap((m) => m.labels));
  const samples: StepMetricSample[] = [];
  plan.nodes.forEach((node, i) => {
    const tracking = node.step.metrics;
    const s = state.steps[i];
    if (!tracking || !s || !(tracking.trackDuration || tracking.trackSuccess)) return;
    const outcome = outcomeOf(s);
    if (!outcome || s.finishedAt === undefined) return;
    const labels: Record<string, string> = {};
    for (const name of declared) {
      const value = state.context[name];
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
        labels[name] = String(value);
    }
    for (const [name, value] of Object.entries(tracking.customLabels))
      labels[name] = renderLabel(plan, value, state);
    samples.push({
      step: node.name,
      outcome,
      seconds: Math.max(0, (s.finishedAt - (s.startedAt ?? s.finishedAt)) / 1000),
      finishedAt: s.finishedAt,
      trackDuration: tracking.trackDuration,
      trackSuccess: tracking.trackSuccess,
      labels,
    });
  });
  return samples;
}

/** Samples in `after` that `before` did not have yet: what one decision adds. */
export function newStepMetricSamples(plan: Plan, before: RunState, after: RunState): StepMetricSample[] {
  const seen = new Set(stepMetricSamples(plan, before).map((s) => `${s.step}@${s.finishedAt}`));
  return stepMetricSamples(plan, after).filter((s) => !seen.has(`${s.step}@${s.finishedAt}`));
}

function outcomeOf(s: StepState): StepMetricSample['outcome'] | undefined {
  if (s.phase === 'Succeeded' || s.phase === 'FellBack') return 'success';
  if (s.phase === 'Failed') return 'failure';
  return undefined;
}

function renderLabel(plan: Plan, value: string, state: RunState): string {
  if (!value.includes('{{')) return value;
  const rendered = renderText(plan, value, { ...state.context, outputs: state.outputs });
  return rendered.ok ? rendered.value : value;
}
