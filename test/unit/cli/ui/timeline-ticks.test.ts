// The run page's time axis: ticks at round offsets, with labels that differ from each other and
// read as durations, for runs from milliseconds to days. The client code is evaluated as the page
// evaluates it (plain JavaScript, no DOM needed).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TIMELINE_TICKS_SCRIPT } from '../../../../src/cli/ui/client/timeline-ticks.ts';

interface Tick {
  readonly at: number;
  readonly label: string;
}
const timelineTicks = new Function(`${TIMELINE_TICKS_SCRIPT}\nreturn timelineTicks;`)() as (
  spanMs: number,
) => Tick[];
const labels = (spanMs: number) => timelineTicks(spanMs).map((t) => t.label);

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

test('a run of a second and a half gets half-second ticks, not repeated whole seconds', () => {
  assert.deepEqual(labels(1500), ['+0s', '+0.5s', '+1s', '+1.5s']);
  assert.deepEqual(labels(2400), ['+0s', '+0.5s', '+1s', '+1.5s', '+2s']);
  assert.deepEqual(labels(3 * SECOND + 200), ['+0s', '+1s', '+2s', '+3s']);
});

test('a run of milliseconds is labelled in milliseconds', () => {
  assert.deepEqual(labels(7), ['+0s', '+2ms', '+4ms', '+6ms']);
  assert.deepEqual(labels(45), ['+0s', '+10ms', '+20ms', '+30ms', '+40ms']);
  assert.deepEqual(labels(800), ['+0s', '+200ms', '+400ms', '+600ms', '+800ms']);
});

test('seconds, minutes, hours and days are labelled at round steps, as durations are written', () => {
  assert.deepEqual(labels(50 * SECOND), ['+0s', '+10s', '+20s', '+30s', '+40s', '+50s']);
  assert.deepEqual(labels(3 * MINUTE + 10 * SECOND), ['+0s', '+1m', '+2m', '+3m']);
  assert.deepEqual(labels(2 * MINUTE), ['+0s', '+30s', '+1m', '+1m30s', '+2m']);
  assert.deepEqual(labels(65 * SECOND), ['+0s', '+15s', '+30s', '+45s', '+1m']);
  assert.deepEqual(labels(75 * SECOND), ['+0s', '+15s', '+30s', '+45s', '+1m', '+1m15s']);
  assert.deepEqual(labels(HOUR + 10 * MINUTE), ['+0s', '+15m', '+30m', '+45m', '+1h']);
  assert.deepEqual(labels(HOUR + 30 * MINUTE), ['+0s', '+30m', '+1h', '+1h30m']);
  assert.deepEqual(labels(7 * HOUR), ['+0s', '+2h', '+4h', '+6h']);
  assert.deepEqual(labels(30 * HOUR), ['+0s', '+6h', '+12h', '+18h', '+1d', '+1d06h']);
  assert.deepEqual(labels(50 * HOUR), ['+0s', '+12h', '+1d', '+1d12h', '+2d']);
});

test('every span from a millisecond to two days gets 2 to 6 ticks, distinct, in order, inside the span', () => {
  for (let span = 1; span <= 48 * HOUR; span = Math.ceil(span * 1.07)) {
    const ticks = timelineTicks(span);
    assert.ok(ticks.length >= 2 && ticks.length <= 6, `${span} ms: ${ticks.length} ticks`);
    assert.equal(ticks[0]!.at, 0);
    assert.equal(
      new Set(ticks.map((t) => t.label)).size,
      ticks.length,
      `${span} ms: ${labels(span).join(' ')}`,
    );
    for (let i = 1; i < ticks.length; i++) assert.ok(ticks[i]!.at > ticks[i - 1]!.at, `${span} ms`);
    assert.ok(ticks.at(-1)!.at <= span, `${span} ms: the last tick lies beyond the run`);
  }
});
