// Colour on terminals: phases in tables and run summaries. Never into a pipe or a file unless
// FORCE_COLOR asks for it (CI logs that render ANSI); NO_COLOR (https://no-color.org) and the global
// --no-color flag turn it off, --no-color winning over everything.
import type { CliIO, Output } from './io.ts';

const CODES: Readonly<Record<string, string>> = {
  Succeeded: '32',
  Failed: '31',
  Running: '36',
  Pending: '36',
  Waiting: '36',
  Retrying: '36',
  AwaitingApproval: '33',
  FellBack: '33',
  Degraded: '33',
  Interrupted: '35',
  Cancelled: '90',
  Skipped: '90',
};

const PHASE_WORD = new RegExp(`\\b(${Object.keys(CODES).join('|')})\\b`, 'g');

export function wantsColour(io: CliIO, out: Output): boolean {
  if (io.noColor) return false;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  return out.isTTY && io.env.TERM !== 'dumb';
}

/** Colours every phase name in `text` (`Failed → Succeeded` gets two colours); identity when off. */
export type PhasePainter = (text: string) => string;

export function phasePainter(on: boolean): PhasePainter {
  if (!on) return (text) => text;
  return (text) => text.replace(PHASE_WORD, (word) => `\x1b[${CODES[word] ?? '0'}m${word}\x1b[0m`);
}

/** Colours `text` as `phase` would be coloured. */
export function paintAs(on: boolean, phase: string, text: string): string {
  const code = CODES[phase];
  return on && code ? `\x1b[${code}m${text}\x1b[0m` : text;
}
