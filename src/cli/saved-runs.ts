// A recorded local run found by the name a user typed, for every command that acts on one:
// `latest` means the newest run, and an id that is not on record gets a did-you-mean. The workflow
// is the text the run started with, whatever the file says now.
import type { Workflow } from '../spec/model.ts';
import { formatDiagnostic } from '../spec/diagnostics.ts';
import { loadWorkflow } from '../spec/load.ts';
import { suggest } from '../template/index.ts';
import { UsageError } from './exit-codes.ts';
import type { CliIO } from './io.ts';
import type { SavedRun, StateStore } from './state-store.ts';

/** The run `wanted` names (an id, or `latest`), read now; a UsageError when there is none. */
export function loadSavedRun(store: StateStore, wanted: string): { runId: string; saved: SavedRun } {
  const runId = wanted === 'latest' ? store.summaries()[0]?.runId : wanted;
  const saved = runId === undefined ? undefined : store.load(runId);
  if (runId !== undefined && saved) return { runId, saved };
  const hint =
    wanted === 'latest'
      ? undefined
      : suggest(
          wanted,
          store.summaries().map((r) => r.runId),
        );
  throw new UsageError(
    `no run ${wanted} in ${store.root}${hint ? ` (did you mean '${hint}'?)` : ''} (see: conveyor history)`,
  );
}

/** The id of the run `wanted` names, for commands that read it again under its lock. */
export function resolveRunId(store: StateStore, wanted: string): string {
  return loadSavedRun(store, wanted).runId;
}

/** The workflow the run started with; undefined after printing why when it no longer loads. */
export function workflowOfRun(saved: SavedRun, io: CliIO): Workflow | undefined {
  const loaded = loadWorkflow(saved.workflowText, saved.file);
  if (!loaded.workflow) for (const d of loaded.diagnostics) io.stderr.write(`${formatDiagnostic(d)}\n`);
  return loaded.workflow;
}
