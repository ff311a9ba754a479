// `conveyor get RUN`: one local run's steps (phase, attempts, duration, exit code, reason) and its
// outputs, from the state directory; `-o json|yaml` prints the document `run -o json` prints.
import { stringify as toYaml } from 'yaml';
import { buildPlan } from '../../engine/index.ts';
import { formatDuration } from '../../spec/duration.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { parseOptions } from '../parse-options.ts';
import { runResult } from '../run-result.ts';
import type { RunResult } from '../run-result.ts';
import { openStateStore, STATE_DIR_OPTION } from '../state-dir.ts';
import { table } from './history.ts';
import { phasePainter, wantsColour } from '../colour.ts';
import type { PhasePainter } from '../colour.ts';
import { loadSavedRun, workflowOfRun } from '../saved-runs.ts';

export const getUsage = `Usage: conveyor get RUN [--output text|json|yaml] [--state-dir DIR]

One run's steps: phase, attempts, duration, exit code and reason, then the run's outputs.
RUN is a run id from 'conveyor history' ('latest' for the newest run).

Examples:
  conveyor get latest
  conveyor get deploy-20260501093000-1a2b -o json | jq '.steps | map_values(.phase)'`;

export async function getCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseOptions('get', argv, {
    ...STATE_DIR_OPTION,
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${getUsage}\n`);
    return EXIT.succeeded;
  }
  const output = values.output ?? 'text';
  if (output !== 'text' && output !== 'json' && output !== 'yaml')
    throw new UsageError(`--output must be text, json or yaml, got ${JSON.stringify(output)}`);
  if (positionals.length !== 1) throw new UsageError(`conveyor get: expected RUN\n\n${getUsage}`);
  const store = openStateStore(io, values);
  const { saved } = loadSavedRun(store, positionals[0] as string);
  // The steps are named by the workflow the run started with, whatever the file says now.
  const workflow = workflowOfRun(saved, io);
  if (!workflow) return EXIT.invalid;
  const result = runResult(buildPlan(workflow), saved.state);
  if (output === 'json') io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else if (output === 'yaml') io.stdout.write(toYaml(result));
  else io.stdout.write(describeRun(result, phasePainter(wantsColour(io, io.stdout))));
  return EXIT.succeeded;
}

function duration(start: string | null, end: string | null): string {
  return start && end ? formatDuration(Date.parse(end) - Date.parse(start)) : '-';
}

function describeRun(r: RunResult, paint: PhasePainter): string {
  const phase = r.degraded ? `${r.phase} (Degraded)` : r.phase;
  const lines = [
    `Run:       ${r.run_id}`,
    `Workflow:  ${r.workflow}`,
    `Phase:     ${paint(phase)}${r.reason ? ` (${r.reason})` : ''}`,
    `Started:   ${r.started_at ?? '-'}`,
    `Duration:  ${duration(r.started_at, r.finished_at)}`,
    '',
  ];
  const rows = Object.entries(r.steps).map(([name, s]) => [
    name,
    s.phase,
    String(s.attempts),
    duration(s.started_at, s.finished_at),
    s.exit_code === null ? '-' : String(s.exit_code),
    s.reason ?? '',
  ]);
  const columns = ['STEP', 'PHASE', 'ATTEMPTS', 'DURATION', 'EXIT', 'REASON'];
  let text = `${lines.join('\n')}\n${table(columns, rows, (cell, column) => (column === 1 ? paint(cell) : cell))}`;
  const outputs = Object.entries(r.outputs);
  if (outputs.length > 0) {
    text += `\nOutputs:\n${outputs.map(([k, v]) => `  ${k} = ${JSON.stringify(v)}`).join('\n')}\n`;
  }
  return text;
}
