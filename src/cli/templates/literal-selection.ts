// Which recurring literal of a workflow's commands is worth a parameter next. The rules, in the
// order `template generate --help` explains them:
//   - a literal counts where it is a value (after a flag, in `name:tag`, `key=value`, a path, a
//     redirection) or a bare argument after the subcommand; words inside quoted messages do not
//     count (but are replaced once the literal is chosen on other grounds);
//   - a bare argument that always follows the same words (`verify` in `sysctl backup verify`)
//     is part of the command's name: it counts only if it also appears after other words or as a
//     value; a common command verb (`create`, `restart`, …) never counts as a bare argument;
//   - trivial literals never count: one character, whole numbers below 100, true/false/yes/no
//     and similar, URL schemes;
//   - the longest qualifying literal goes first (`api:v2` before `api`), then the most frequent.
import type { LiteralSpot } from './literal-spots.ts';

export const MIN_NUMBER = 100;

/** Verbs that name what a command does wherever they appear (`sysctl incident create`, `can-i create`). */
const COMMAND_VERBS = new Set(
  (
    'add apply analyze backup build check clean cleanup collect create delete deploy describe disable ' +
    'enable exec export get import install list logs migrate notify promote prune pull push reindex ' +
    'reload remove restart restore rollback run scale scan set show start status stop sync test ' +
    'uninstall update upgrade vacuum verify watch'
  ).split(' '),
);

const TRIVIAL_WORDS = new Set('true false yes no on off null none nil http https'.split(' '));

export function isTrivialLiteral(literal: string): boolean {
  if (literal.length < 2) return true;
  if (/^\d+$/.test(literal) && Number(literal) < MIN_NUMBER) return true;
  return TRIVIAL_WORDS.has(literal.toLowerCase());
}

/** A spot in one of the workflow's fields. */
export interface FieldSpot extends LiteralSpot {
  readonly field: number;
}

export interface Candidate {
  readonly literal: string;
  /** Every spot of the literal, prose included: all are replaced. */
  readonly spots: readonly FieldSpot[];
  /** The spots that made it qualify. */
  readonly counted: number;
}

/** The best literal to turn into a parameter, among those not excluded, or undefined. */
export function nextCandidate(
  spots: readonly FieldSpot[],
  minOccurrences: number,
  excluded: ReadonlySet<string>,
): Candidate | undefined {
  const byLiteral = new Map<string, FieldSpot[]>();
  for (const spot of spots) {
    if (excluded.has(spot.literal) || isTrivialLiteral(spot.literal)) continue;
    const list = byLiteral.get(spot.literal) ?? [];
    list.push(spot);
    byLiteral.set(spot.literal, list);
  }
  let best: Candidate | undefined;
  for (const [literal, all] of byLiteral) {
    const counted = all.filter((s) => s.role !== 'prose');
    const isValue = counted.some((s) => s.role === 'value');
    const contexts = new Set(counted.filter((s) => s.role === 'operand').map((s) => s.context));
    if (counted.length < minOccurrences) continue;
    if (!isValue && (contexts.size < 2 || COMMAND_VERBS.has(literal))) continue;
    const candidate = { literal, spots: all, counted: counted.length };
    if (!best || isBetter(candidate, best)) best = candidate;
  }
  return best;
}

function isBetter(a: Candidate, b: Candidate): boolean {
  if (a.literal.length !== b.literal.length) return a.literal.length > b.literal.length;
  if (a.counted !== b.counted) return a.counted > b.counted;
  const first = (c: Candidate) => c.spots[0] as FieldSpot;
  return (
    first(a).field - first(b).field < 0 ||
    (first(a).field === first(b).field && first(a).offset < first(b).offset)
  );
}
