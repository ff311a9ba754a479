// Brings a saved run's state up to date from its journal. The full state is saved only now and
// then (snapshot-schedule.ts); every decision made in between is in the journal as exactly the
// observations and clock reading the engine was given. The engine is pure, so deciding them again
// on the saved state gives the state the process had when it wrote its last journal line: a
// process killed between two snapshots loses neither a finished step nor its outputs.
import { readFrom } from './read-from.ts';
import { buildPlan, decide } from '../engine/index.ts';
import type { RunState } from '../engine/types.ts';
import { loadWorkflow } from '../spec/load.ts';
import { journalFile } from './run-journal.ts';
import type { JournalLine } from './run-journal.ts';

export interface Replayed {
  readonly state: RunState;
  /** The journal bytes the state now includes. */
  readonly journalOffset: number;
}

/** The state after the journal's decisions past `offset`, or undefined when there are none. */
export function replayJournal(
  runDir: string,
  workflowText: string,
  file: string,
  state: RunState,
  offset: number,
): Replayed | undefined {
  const tail = readFrom(journalFile(runDir), offset);
  // Only whole lines: a line being written now (or torn by a kill) is not a decision yet.
  const end = tail.lastIndexOf('\n') + 1;
  const decisions: Extract<JournalLine, { event: 'decision' }>[] = [];
  for (const line of tail.subarray(0, end).toString('utf8').split('\n')) {
    if (!line) continue;
    try {
      const parsed = JSON.parse(line) as JournalLine;
      if (parsed.event === 'decision') decisions.push(parsed);
    } catch {
      // Torn write.
    }
  }
  if (decisions.length === 0) return undefined;
  const loaded = loadWorkflow(workflowText, file);
  if (!loaded.workflow) return undefined;
  const plan = buildPlan(loaded.workflow);
  let current = state;
  for (const d of decisions) current = decide(plan, current, d.observations, d.now).state;
  return { state: current, journalOffset: offset + end };
}
