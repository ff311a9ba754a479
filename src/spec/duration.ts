// Durations as the seed writes them: `30s`, `5m`, `1h30m`, `7d`, `250ms`, or a bare number of seconds.

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** The longest duration accepted: 366 days, far past any sensible step or run timeout. */
const MAX_DURATION_MS = 366 * 86_400_000;

export type DurationResult = { ok: true; ms: number } | { ok: false; message: string };

export function parseDuration(value: unknown): DurationResult {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      return { ok: false, message: `invalid duration ${value}: expected a non-negative number of seconds` };
    }
    return bounded(value * 1000, String(value));
  }
  if (typeof value !== 'string') {
    return { ok: false, message: `invalid duration: expected a string such as "30s" or a number of seconds` };
  }
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return bounded(Number(text) * 1000, text);
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = part.exec(text)) !== null) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    matched = part.lastIndex;
  }
  if (text === '' || matched !== text.length) {
    return {
      ok: false,
      message: `invalid duration "${value}": expected a number with a unit (ms, s, m, h, d, w) such as "30s", "5m" or "1h30m"`,
    };
  }
  return bounded(total, text);
}

function bounded(ms: number, text: string): DurationResult {
  if (ms > MAX_DURATION_MS) return { ok: false, message: `duration "${text}" is longer than 366 days` };
  return { ok: true, ms: Math.round(ms) };
}

/** Renders milliseconds compactly for people: `1h2m`, `45s`, `250ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let s = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  if (s > 0 || parts.length === 0) parts.push(`${s}s`);
  return parts.slice(0, 2).join('');
}
