// Did-you-mean suggestions for misspelt names: the closest candidate by Damerau–Levenshtein
// distance (optimal string alignment), when it is close enough to be a likely typo.

/** Words longer than this are not compared (the distance is quadratic and such words are not typos). */
const MAX_WORD_LENGTH = 128;

/** The candidate `word` was most likely meant to be, or undefined when none is close enough. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  if (word.length === 0 || word.length > MAX_WORD_LENGTH) return undefined;
  const allowed = allowedDistance(word);
  const lowerWord = word.toLowerCase();
  let best: string | undefined;
  let bestScore = Infinity;
  for (const candidate of candidates) {
    if (candidate === word || candidate.length > MAX_WORD_LENGTH) continue;
    if (Math.abs(candidate.length - word.length) > allowed) continue;
    // A difference in case only is the likeliest typo of all.
    const lowerCandidate = candidate.toLowerCase();
    const distance = lowerCandidate === lowerWord ? 0.5 : editDistance(word, candidate);
    if (distance > allowed || distance >= Math.min(word.length, candidate.length)) continue;
    if (distance < bestScore) {
      best = candidate;
      bestScore = distance;
    }
  }
  return best;
}

/**
 * For a word typed on a command line (a command, an option): the one candidate it starts, as a
 * word typed in part (`hist` for history), else the closest one as `suggest` finds it.
 */
export function suggestTyped(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const started =
    lower.replace(/^-+/, '').length >= 2 ? candidates.filter((c) => c.toLowerCase().startsWith(lower)) : [];
  return started.length === 1 ? started[0] : suggest(word, candidates);
}

function allowedDistance(word: string): number {
  if (word.length <= 3) return 1;
  if (word.length <= 6) return 2;
  return 3;
}

/** Edits (insert, delete, substitute, swap two adjacent characters) turning `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(
        d[(i - 1) * cols + j]! + 1,
        d[i * cols + j - 1]! + 1,
        d[(i - 1) * cols + j - 1]! + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, d[(i - 2) * cols + j - 2]! + 1);
      }
      d[i * cols + j] = value;
    }
  }
  return d[rows * cols - 1]!;
}
