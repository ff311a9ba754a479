// Where a graph's workflow (and a run's step phases) come from: a workflow file, a local run in the
// state directory (the workflow text it started with, the phases of its saved state), or a cluster
// run (the workflow the controller pinned when it started, the phases of status.steps).
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatDiagnostic } from '../../spec/diagnostics.ts';
import { loadWorkflow, loadWorkflowObject } from '../../spec/load.ts';
import type { Workflow } from '../../spec/model.ts';
import { UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import type { StateStore } from '../state-store.ts';

export interface GraphSource {
  readonly workflow: Workflow;
  /** Step name → phase, for a run. */
  readonly phases: ReadonlyMap<string, string>;
  /** What the graph shows: the file, or "run NAME". */
  readonly title: string;
}

/** True when `target` names a file (rather than a run). */
export function isWorkflowFile(io: CliIO, target: string): boolean {
  const path = resolve(io.cwd, target);
  return existsSync(path) && statSync(path).isFile();
}

function loaded(text: string, origin: string): Workflow {
  const result = loadWorkflow(text, origin);
  if (!result.workflow) throw new UsageError(result.diagnostics.map(formatDiagnostic).join('\n'));
  return result.workflow;
}

export async function fileSource(io: CliIO, file: string): Promise<GraphSource> {
  const text = await io.readFile(resolve(io.cwd, file));
  return { workflow: loaded(text, file), phases: new Map(), title: file };
}

export function localRunSource(store: StateStore, runId: string): GraphSource {
  const saved = store.load(runId);
  if (!saved)
    throw new UsageError(
      `no workflow file and no run named ${runId} in ${store.root} (see: conveyor history)`,
    );
  return {
    workflow: loaded(saved.workflowText, saved.file),
    phases: new Map(saved.state.steps.map((s) => [s.name, s.phase])),
    title: `run ${runId}`,
  };
}

/** The workflow pinned in a cluster run's ConfigMap (JSON), with the phases of its status. */
export function clusterRunSource(
  run: { metadata: { name: string }; status?: Record<string, unknown> },
  pinnedText: string | undefined,
  origin: string,
): GraphSource {
  if (pinnedText === undefined)
    throw new UsageError(
      `run ${run.metadata.name} has not started yet (no pinned workflow): graph its workflow file instead`,
    );
  const result = loadWorkflowObject(JSON.parse(pinnedText) as unknown, origin);
  if (!result.workflow) throw new UsageError(result.diagnostics.map(formatDiagnostic).join('\n'));
  const steps = (run.status?.steps ?? {}) as Record<string, { phase?: string }>;
  const phases = new Map<string, string>();
  for (const [name, entry] of Object.entries(steps)) if (entry.phase) phases.set(name, entry.phase);
  return { workflow: result.workflow, phases, title: `run ${run.metadata.name}` };
}
