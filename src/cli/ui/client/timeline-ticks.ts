// The timeline's time axis, as client code: ticks at round offsets from the run's start (1, 2 or 5
// milliseconds up to seconds, then 1, 2, 5, 10, 15, 30 s and min, 1, 2, 3, 6, 12 h, days), at most
// five steps across whatever the run spans, each labelled exactly (so that no two labels are the
// same, as whole-second labels were on a run of a second). A pure function of the span, kept apart
// from the drawing so that it is tested without a browser.
export const TIMELINE_TICKS_SCRIPT = String.raw`
const TICK_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1800e3, 3600e3, 7200e3, 10800e3, 21600e3, 43200e3];
const DAY_MS = 86400e3;

/** An offset on the axis: 0s, 250ms (on an axis shorter than a second), 0.5s, 1m30s, 2h, 1d12h
 *  (later parts with two digits, as durations are written). */
function tickLabel(ms, spanMs) {
  if (ms === 0) return '0s';
  if (spanMs < 1000) return ms + 'ms';
  const parts = [[Math.floor(ms / DAY_MS), 'd'], [Math.floor(ms / 3600e3) % 24, 'h'], [Math.floor(ms / 60e3) % 60, 'm']];
  const seconds = Math.floor(ms / 1000) % 60;
  const fraction = ms % 1000;
  parts.push([fraction ? seconds + '.' + String(fraction).padStart(3, '0').replace(/0+$/, '') : seconds, 's']);
  let text = '';
  for (const [value, unit] of parts) {
    if (value === 0 || value === '0') continue;
    text += (text && String(value).length < 2 ? '0' : '') + value + unit;
  }
  return text;
}

/** The axis of a timeline spanning spanMs: ticks as offsets from its start, with their labels. */
function timelineTicks(spanMs) {
  const span = Math.max(1, spanMs);
  let step = TICK_STEPS.find((s) => span / s <= 5);
  // Beyond the list: 1, 2, 5, 10, 20, 50… days.
  for (let days = 1; step === undefined; days *= 10) step = [1, 2, 5].map((k) => k * days * DAY_MS).find((s) => span / s <= 5);
  const ticks = [];
  for (let at = 0; at <= span; at += step) ticks.push({ at, label: '+' + tickLabel(at, span) });
  return ticks;
}
`;
