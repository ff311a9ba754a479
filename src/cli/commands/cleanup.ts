// `conveyor cleanup --older-than 30d`: deletes finished runs (state and logs) older than the age.
import { parseDuration } from '../../spec/duration.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { parseOptions } from '../parse-options.ts';
import { openStateStore, STATE_DIR_OPTION } from '../state-dir.ts';

export const cleanupUsage = `Usage: conveyor cleanup --older-than DURATION [--dry-run] [--state-dir DIR]

Deletes the saved state and logs of finished runs older than DURATION (e.g. 30d).
Runs that wait for approval or were stopped mid-way are kept: they can still be resumed.

Examples:
  conveyor cleanup --older-than 30d --dry-run
  conveyor cleanup --older-than 7d`;

export async function cleanupCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values } = parseOptions('cleanup', argv, {
    ...STATE_DIR_OPTION,
    'older-than': { type: 'string' },
    'dry-run': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${cleanupUsage}\n`);
    return EXIT.succeeded;
  }
  if (values['older-than'] === undefined)
    throw new UsageError(`conveyor cleanup: --older-than is required\n\n${cleanupUsage}`);
  const age = parseDuration(values['older-than']);
  if (!age.ok) throw new UsageError(`--older-than: ${age.message}`);
  const store = openStateStore(io, values);
  const cutoff = io.now() - age.ms;
  let removed = 0;
  for (const run of store.list()) {
    const finished =
      run.state.stage === 'done' && ['Succeeded', 'Failed', 'Cancelled'].includes(run.state.phase);
    const when = run.state.finishedAt ?? store.modifiedAt(run.runId);
    if (!finished || when >= cutoff) continue;
    if (!values['dry-run']) store.remove(run.runId);
    io.stdout.write(`${values['dry-run'] ? 'would remove' : 'removed'} ${run.runId} (${run.state.phase})\n`);
    removed++;
  }
  io.stdout.write(`${removed} run(s) ${values['dry-run'] ? 'would be ' : ''}removed.\n`);
  return EXIT.succeeded;
}
