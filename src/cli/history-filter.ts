// `history --status PHASE,… --since AGE|TIME`: which earlier runs to list. --since takes a
// duration back from now (`2h`, `7d`) or a date/time (`2026-05-01`, `2026-05-01T09:00Z`).
import { parseDuration } from '../spec/duration.ts';
import { suggest } from '../template/did-you-mean.ts';
import { UsageError } from './exit-codes.ts';
import type { OptionSpec } from './parse-options.ts';
import type { RunSummary } from './state-store.ts';

export const HISTORY_FILTER_OPTIONS = {
  status: { type: 'string' },
  since: { type: 'string' },
} as const satisfies OptionSpec;

export const historyFilterUsage = `  --status PHASE,...      only runs in these phases (Succeeded, Failed, Running,
                          AwaitingApproval, Cancelled, Pending; any case)
  --since AGE|TIME        only runs started since then: 2h, 7d, or 2026-05-01[T09:00Z]`;

const PHASES = ['Pending', 'Running', 'AwaitingApproval', 'Succeeded', 'Failed', 'Cancelled'];

export function historyFilter(values: Record<string, unknown>, now: number): (run: RunSummary) => boolean {
  const phases = values.status === undefined ? undefined : parsePhases(String(values.status));
  const since = values.since === undefined ? undefined : parseSince(String(values.since), now);
  return (run) =>
    (phases === undefined || phases.has(run.phase)) &&
    (since === undefined || (run.startedAt ?? run.savedAt) >= since);
}

function parsePhases(text: string): Set<string> {
  const out = new Set<string>();
  for (const word of text.split(',').map((w) => w.trim())) {
    if (word === '') continue;
    const phase = PHASES.find((p) => p.toLowerCase() === word.toLowerCase());
    if (!phase) {
      const hint = suggest(word, PHASES);
      throw new UsageError(
        `--status: unknown phase '${word}'${hint ? ` (did you mean '${hint}'?)` : ''}; expected ${PHASES.join(', ')}`,
      );
    }
    out.add(phase);
  }
  return out;
}

function parseSince(text: string, now: number): number {
  const age = parseDuration(text);
  if (age.ok) return now - age.ms;
  const time = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(time)) {
    throw new UsageError(
      `--since ${JSON.stringify(text)}: expected an age such as 2h or 7d, or a date such as 2026-05-01`,
    );
  }
  return time;
}
