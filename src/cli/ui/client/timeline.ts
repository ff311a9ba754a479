// The run page's timeline, as client code: one row per step that ran, one bar per attempt from its
// start to its end (or now), coloured by outcome, on a shared time axis, so that where the time went
// is seen at a glance. Drawn as SVG elements with attributes (no inline styles under the CSP) and
// every name as text content. The axis's ticks come from timelineTicks (timeline-ticks.ts).
export const TIMELINE_SCRIPT = String.raw`
const SVG_NS = 'http://www.w3.org/2000/svg';
function svgEl(tag, attrs, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function timeline(run, onPick) {
  const rows = run.steps.filter((s) => !s.isGroup && (s.attemptList || []).some((a) => a.startedAt || a.requestedAt));
  if (!rows.length) return el('p', { class: 'muted', id: 'timeline' }, 'No step has started yet.');
  const now = Date.now();
  const starts = rows.flatMap((s) => s.attemptList.map((a) => a.startedAt || a.requestedAt));
  const ends = rows.flatMap((s) => s.attemptList.map((a) => a.finishedAt || (run.finishedAt || now)));
  const t0 = Math.min(...starts);
  // A run of a few milliseconds gets an axis of a few milliseconds (see timelineTicks).
  const t1 = Math.max(t0 + 1, ...ends);
  const label = 190, width = 760, rowH = 22, top = 18;
  const scale = (t) => label + ((t - t0) / (t1 - t0)) * (width - label - 10);
  const svg = svgEl('svg', { width, height: top + rows.length * rowH + 6, viewBox: '0 0 ' + width + ' ' + (top + rows.length * rowH + 6), role: 'img', 'aria-label': 'timeline of the steps' });
  for (const tick of timelineTicks(t1 - t0)) {
    const x = scale(t0 + tick.at);
    svg.append(svgEl('line', { x1: x, x2: x, y1: top - 4, y2: top + rows.length * rowH, class: 'tick' }));
    // The first label starts at its tick, one near the right edge ends there, the others centre on it.
    const anchor = tick.at === 0 ? 'start' : x > width - 40 ? 'end' : 'middle';
    svg.append(svgEl('text', { x, y: 11, class: 'tick-label', 'text-anchor': anchor }, tick.label));
  }
  rows.forEach((s, i) => {
    const y = top + i * rowH;
    const row = svgEl('g', { class: 'timeline-row', 'data-step': s.name });
    row.append(svgEl('text', { x: 4, y: y + 15, class: 'step-label' }, s.name.length > 26 ? s.name.slice(0, 25) + '…' : s.name));
    for (const a of s.attemptList) {
      const from = a.startedAt || a.requestedAt;
      const to = a.finishedAt || (run.finishedAt || now);
      const x = scale(from);
      const outcome = a.outcome || (a.finishedAt ? 'Failed' : 'Running');
      const bar = svgEl('rect', { x, y: y + 4, width: Math.max(2, scale(to) - x), height: rowH - 8, rx: 3, class: 'bar outcome-' + outcome, 'data-attempt': a.attempt, 'data-outcome': outcome });
      bar.append(svgEl('title', {}, s.name + ' attempt ' + a.attempt + ' (' + a.purpose + '): ' + outcome + (a.exitCode === undefined || a.exitCode === null ? '' : ', exit ' + a.exitCode) + ', ' + duration(from, to)));
      row.append(bar);
    }
    row.addEventListener('click', () => onPick(s.name));
    svg.append(row);
  });
  const box = el('div', { class: 'timeline', id: 'timeline' });
  box.append(svg);
  return box;
}
`;
