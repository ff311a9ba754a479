// A local run's "Events": its journal (run-journal.ts) read as the Kubernetes Events of a cluster
// run read, newest last: rounds, attempts started and finished, signals, the end of each round.
import type { JournalLine } from '../run-journal.ts';
import type { EventView } from './run-view.ts';

function describe(line: JournalLine): Omit<EventView, 'at'> | undefined {
  switch (line.event) {
    case 'round':
      return {
        type: 'Normal',
        reason: 'Round',
        message: `conveyor ${line.command} (pid ${line.pid} on ${line.host})`,
      };
    case 'start':
      return { type: 'Normal', reason: 'AttemptStarting', message: `${line.step} attempt ${line.attempt}` };
    case 'started':
      return {
        type: 'Normal',
        reason: 'AttemptStarted',
        message: `${line.step} attempt ${line.attempt} (pid ${line.pid})`,
      };
    case 'finished':
      return {
        type: line.exit_code === 0 ? 'Normal' : 'Warning',
        reason: 'AttemptFinished',
        message: `${line.step} attempt ${line.attempt} exited ${line.exit_code === null ? 'by a signal' : line.exit_code}`,
      };
    case 'signal':
      return { type: 'Warning', reason: 'Signal', message: `${line.signal}: ${line.action}` };
    case 'control':
      return {
        type: 'Normal',
        reason: 'Listening',
        message: `pid ${line.pid} takes stop and terminate requests`,
      };
    case 'request':
      return {
        type: 'Warning',
        reason: line.action === 'stop' ? 'StopRequested' : 'TerminateRequested',
        message: `${line.user} asked to ${line.action} the run`,
      };
    case 'output_lost':
      return { type: 'Warning', reason: 'OutputLost', message: line.message };
    case 'end':
      return {
        type: line.phase === 'Succeeded' ? 'Normal' : 'Warning',
        reason: line.phase,
        message: line.reason ? `round ended ${line.phase} (${line.reason})` : `round ended ${line.phase}`,
      };
    case 'decision':
      // The engine's inputs, kept for replay (journal-replay.ts); the attempts show them already.
      return undefined;
  }
}

export function journalEvents(lines: readonly JournalLine[]): EventView[] {
  return lines.flatMap((line) => {
    const described = describe(line);
    if (!described) return [];
    const at = Date.parse(line.at);
    return [{ ...(Number.isNaN(at) ? {} : { at }), ...described }];
  });
}
