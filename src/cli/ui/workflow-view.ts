// What the UI shows of a workflow, the same for a cluster's Workflow and for the workflow text of a
// local run: its parameters, its schedules with their next fire times (cron-parser, in each
// schedule's time zone, as the controller computes them), its graph and its recent runs.
import { DEFAULT_TIMEZONE, nextFireTimes } from '../../spec/cron.ts';
import type { Workflow } from '../../spec/model.ts';
import type { RunSummaryView, StaleView } from './run-view.ts';

export interface ParameterView {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  /** The default, as JSON (absent when there is none). */
  readonly default?: string;
  readonly description?: string;
}

export interface ScheduleView {
  readonly name: string;
  readonly cron: string;
  readonly timezone: string;
  readonly suspend: boolean;
  readonly concurrencyPolicy: string;
  readonly environment?: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  /** The next fire times (ms), soonest first; empty when suspended or never. */
  readonly next: readonly number[];
  /** Why no time could be computed (an expression cron-parser refuses). */
  readonly problem?: string;
}

export interface WorkflowView {
  readonly name: string;
  readonly description?: string;
  readonly where: string;
  /** Where the workflow comes from: "Workflow objects/x" or "the run r-1 (file deploy.yaml)". */
  readonly source: string;
  readonly parameters: readonly ParameterView[];
  readonly schedules: readonly ScheduleView[];
  /** Whether something here runs the schedules (the operator does; a local state directory does not). */
  readonly schedulesRun: boolean;
  readonly svg: string;
  readonly runs: readonly RunSummaryView[];
  /** Shown as last read, while its cluster cannot be read. */
  readonly stale?: StaleView;
}

export const NEXT_FIRE_TIMES = 3;
const RECENT_RUNS = 20;

export function scheduleViews(workflow: Workflow, now: number): ScheduleView[] {
  return workflow.schedules.map((s) => {
    const timezone = s.timezone ?? DEFAULT_TIMEZONE;
    let next: number[] = [];
    let problem: string | undefined;
    if (!s.suspend) {
      try {
        next = nextFireTimes(s.cron, timezone, now, NEXT_FIRE_TIMES);
      } catch (error) {
        problem = (error as Error).message;
      }
    }
    return {
      name: s.name,
      cron: s.cron,
      timezone,
      suspend: s.suspend,
      concurrencyPolicy: s.concurrencyPolicy,
      ...(s.environment !== undefined ? { environment: s.environment } : {}),
      parameters: s.parameters,
      next,
      ...(problem !== undefined ? { problem } : {}),
    };
  });
}

export function workflowView(inputs: {
  readonly workflow: Workflow;
  readonly where: string;
  readonly source: string;
  readonly schedulesRun: boolean;
  readonly svg: string;
  readonly runs: readonly RunSummaryView[];
  readonly now: number;
  readonly stale?: StaleView;
}): WorkflowView {
  const { workflow } = inputs;
  return {
    name: workflow.name,
    ...(workflow.description !== undefined ? { description: workflow.description } : {}),
    where: inputs.where,
    source: inputs.source,
    parameters: workflow.parameters.map((p) => ({
      name: p.name,
      type: p.type,
      required: p.required,
      ...(p.default !== undefined ? { default: JSON.stringify(p.default) } : {}),
      ...(p.description !== undefined ? { description: p.description } : {}),
    })),
    schedules: scheduleViews(workflow, inputs.now),
    schedulesRun: inputs.schedulesRun,
    svg: inputs.svg,
    runs: inputs.runs.slice(0, RECENT_RUNS),
    ...(inputs.stale ? { stale: inputs.stale } : {}),
  };
}
