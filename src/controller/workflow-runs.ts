// What a Workflow learns from its runs (by workflowRef, in its namespace): the last one that finished,
// whose circuit breakers the next run starts from, and the finished runs past its history limits.
import type { RunState } from '../engine/types.ts';
import { decodeEngineState } from './engine-state-codec.ts';
import type { WorkflowObject, WorkflowRunObject } from './resources.ts';

const FINISHED = new Set(['Succeeded', 'Failed', 'Cancelled']);

export interface LastRun {
  readonly name: string;
  readonly phase: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
}

interface RunSummary {
  readonly name: string;
  readonly phase?: string;
  readonly finishedAt?: string;
}

function runsOf(workflow: string, runs: readonly WorkflowRunObject[]): RunSummary[] {
  return runs
    .filter((r) => r.spec?.workflowRef?.name === workflow)
    .map((r) => {
      const status = (r.status ?? {}) as { phase?: string; finishedAt?: string };
      return { name: r.metadata.name, phase: status.phase, finishedAt: status.finishedAt };
    });
}

/**
 * The newest run of the workflow that the engine finished, with its breakers, when it is not the one
 * the Workflow's status records already (nor older than it: that one may have been deleted since).
 */
export function newerFinishedRun(
  workflow: string,
  runs: readonly WorkflowRunObject[],
  recorded: LastRun | undefined,
): { lastRun: LastRun; breakers: RunState['breakers'] } | undefined {
  const newest = runsOf(workflow, runs)
    .filter((r) => FINISHED.has(r.phase ?? '') && r.finishedAt !== undefined)
    .sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''))[0];
  if (!newest || (recorded?.finishedAt ?? '') > (newest.finishedAt ?? '')) return undefined;
  // Recorded already: its engine state need not be decoded again.
  if (isRecorded(recorded, newest)) return undefined;
  const run = runs.find((r) => r.metadata.name === newest.name);
  const decoded = decodeEngineState(run?.status?.engine);
  if (!decoded.ok || decoded.state.stage !== 'done') return undefined;
  const state = decoded.state;
  const lastRun: LastRun = {
    name: newest.name,
    phase: state.phase,
    ...(state.startedAt !== undefined ? { startedAt: iso(state.startedAt) } : {}),
    ...(state.finishedAt !== undefined ? { finishedAt: iso(state.finishedAt) } : {}),
  };
  if (isRecorded(recorded, lastRun)) return undefined;
  return { lastRun, breakers: state.breakers };
}

/** The finished runs beyond the newest `history` limits of the workflow keeps (when it sets them). */
export function runsPastHistory(workflow: WorkflowObject, runs: readonly WorkflowRunObject[]): string[] {
  const limits = workflow.spec?.history as { successful_runs?: number; failed_runs?: number } | undefined;
  if (!limits) return [];
  const finished = runsOf(workflow.metadata.name, runs)
    .filter((r) => FINISHED.has(r.phase ?? ''))
    .sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''));
  const beyond = (kept: RunSummary[], keep: number | undefined): RunSummary[] =>
    keep === undefined ? [] : kept.slice(keep);
  return [
    ...beyond(
      finished.filter((r) => r.phase === 'Succeeded'),
      limits.successful_runs,
    ),
    ...beyond(
      finished.filter((r) => r.phase !== 'Succeeded'),
      limits.failed_runs,
    ),
  ].map((r) => r.name);
}

function isRecorded(recorded: LastRun | undefined, run: RunSummary): boolean {
  return (
    recorded?.name === run.name && recorded.phase === run.phase && recorded.finishedAt === run.finishedAt
  );
}

const iso = (ms: number): string => new Date(ms).toISOString();
