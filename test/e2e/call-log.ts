// Reads the sysctl stand-in's call log: which step called what, when it started and ended.
import { readFileSync } from 'node:fs';

export interface Call {
  readonly step: string;
  readonly args: readonly string[];
  readonly start: number;
  readonly end?: number;
  readonly code?: number;
}

export function readCalls(file: string): Call[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const open = new Map<number, Call>();
  const calls: Call[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as {
      t: number;
      event: string;
      pid: number;
      step: string;
      args: string[];
      code?: number;
    };
    if (r.event === 'start') {
      const call: Call = { step: r.step, args: r.args, start: r.t };
      open.set(r.pid, call);
      calls.push(call);
    } else {
      const call = open.get(r.pid);
      if (call) Object.assign(call, { end: r.t, code: r.code });
    }
  }
  return calls;
}

export const stepsCalled = (calls: readonly Call[]): string[] => calls.map((c) => c.step);

/** The call of a step (its first one, or the n-th). */
export function callOf(calls: readonly Call[], step: string, n = 0): Call {
  const found = calls.filter((c) => c.step === step)[n];
  if (!found) throw new Error(`no call #${n} of step ${step}; calls: ${stepsCalled(calls).join(', ')}`);
  return found;
}

/** Whether two calls ran at the same time for some instant. */
export const overlapped = (a: Call, b: Call): boolean =>
  a.start < (b.end ?? Infinity) && b.start < (a.end ?? Infinity);

/** The most calls running at once. */
export function maxConcurrency(calls: readonly Call[]): number {
  const events = calls.flatMap((c) => [
    { t: c.start, d: 1 },
    { t: c.end ?? Infinity, d: -1 },
  ]);
  events.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const e of events) {
    now += e.d;
    max = Math.max(max, now);
  }
  return max;
}
