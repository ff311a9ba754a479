// The text `conveyor get RUN` prints for one run, local or in a cluster: the run's phase and times,
// a table of its steps (phase, attempts, duration, exit code, reason), then its outputs.
import { formatDuration } from '../spec/duration.ts';
import type { PhasePainter } from './colour.ts';
import type { RunResult } from './run-result.ts';
import { table } from './commands/history.ts';

function duration(start: string | null, end: string | null): string {
  return start && end ? formatDuration(Date.parse(end) - Date.parse(start)) : '-';
}

export function describeRun(r: RunResult, paint: PhasePainter): string {
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
