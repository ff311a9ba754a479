// The UI's script, served as /app.js: renders the runs list, a run page and a workflow page from
// the JSON API, and refreshes what is shown whenever the server says runs changed (server-sent
// events). Everything from a run is put in the page as text (textContent), never as markup, except
// the graph, which the server renders as SVG with every name escaped.
import { RUN_PAGE_SCRIPT } from './run-page.ts';
import { TIMELINE_SCRIPT } from './timeline.ts';
import { TIMELINE_TICKS_SCRIPT } from './timeline-ticks.ts';
import { WORKFLOW_PAGE_SCRIPT } from './workflow-page.ts';

const CORE = String.raw`
const token = new URLSearchParams(location.search).get('token') || '';
const api = (path) => path + (path.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token);
const view = document.getElementById('view');
const notice = document.getElementById('notice');
const filters = { namespace: '', workflow: '', phase: '' };
// The notice of an operation that opened another page stays on it.
let keepNotice = false;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined) continue;
    if (k === 'onclick') node.addEventListener('click', v);
    else if (k === 'onchange') node.addEventListener('change', v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

async function getJson(path) {
  const res = await fetch(api(path));
  if (!res.ok) throw new Error((await res.json().catch(() => ({}))).message || res.statusText);
  return res.json();
}

async function post(path, body) {
  for (const b of document.querySelectorAll('button')) b.disabled = true;
  const res = await fetch(api(path), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body || {}) });
  const result = await res.json().catch(() => ({ ok: false, message: res.statusText }));
  say(result.message || (result.ok ? 'Done.' : 'Refused.'), result.ok);
  // An operation that started a run (retry, a resume in a cluster) opens it.
  if (result.ok && result.run) {
    keepNotice = true;
    location.hash = '#/run/' + encodeURIComponent(result.run);
  }
  else await render();
  return result.ok;
}

function say(text, ok) {
  notice.textContent = text;
  notice.className = ok ? 'ok' : '';
  notice.hidden = false;
}

const phase = (p) => el('span', { class: 'phase phase-' + p, 'data-phase': p }, p);
function duration(from, to) {
  if (!from) return '';
  const s = Math.max(0, Math.round(((to || Date.now()) - from) / 1000));
  return s < 60 ? s + 's' : s < 3600 ? Math.floor(s / 60) + 'm' + String(s % 60).padStart(2, '0') + 's' : Math.floor(s / 3600) + 'h' + String(Math.floor(s / 60) % 60).padStart(2, '0') + 'm';
}

/** A run's workflow page, by the id the server gave it (namespace/name with -A, local:name for a
 *  local run beside a cluster's). */
const workflowHref = (r) => '#/workflow/' + encodeURIComponent(r.workflowId);

/** Where a run is, for the list's first column and its filter: a namespace, or the local state
 *  directory (a value no namespace can take). */
const LOCAL_PLACE = '(local)';
const placeOf = (r) => (r.local ? LOCAL_PLACE : r.namespace);

/** A duration on the page; one that has not ended is counted on each second (see the ticker). */
function since(from, to) {
  return el('span', { class: 'duration', 'data-from': from && !to ? from : undefined }, duration(from, to));
}

function runsTable(runs) {
  // Across all namespaces (-A), or beside local runs, each run says where it is, as kubectl get -A
  // does: its namespace, or local.
  const namespaced = runs.some((r) => placeOf(r) !== undefined);
  const headers = [...(namespaced ? ['Namespace'] : []), 'Run', 'Workflow', 'Phase', 'Progress', 'Duration', 'Started by', 'Waiting for approval'];
  const table = el('table', { id: 'runs' }, el('tr', {}, ...headers.map((h) => el('th', {}, h))));
  for (const r of runs) {
    // A run of a cluster that cannot be reached, as last seen: greyed, and saying since when.
    const stale = r.stale ? [el('span', { class: 'stale-mark', title: r.stale.message }, ' last seen ' + new Date(r.stale.lastSeenAt).toLocaleTimeString())] : [];
    table.append(el('tr', { class: 'run-row' + (r.stale ? ' stale' : ''), 'data-run': r.id, 'data-namespace': r.namespace, 'data-local': r.local ? 'true' : undefined, 'data-stale': r.stale ? 'true' : undefined, onclick: () => { location.hash = '#/run/' + encodeURIComponent(r.id); } },
      ...(namespaced ? [el('td', { class: 'namespace' + (r.local ? ' local' : '') }, r.local ? 'local' : r.namespace || '')] : []),
      el('td', {}, el('a', { href: '#/run/' + encodeURIComponent(r.id) }, r.name)), el('td', {}, el('a', { href: workflowHref(r), class: 'workflow-link' }, r.workflow)), el('td', {}, phase(r.phase), ...stale),
      el('td', {}, r.done + '/' + r.total), el('td', {}, since(r.startedAt, r.finishedAt)), el('td', {}, r.createdBy || ''), el('td', {}, r.waiting.join(', '))));
  }
  return table;
}

/** One note for each part of the list that could not be read (the cluster beside local runs), with
 *  its error: the list shows the rest, and is drawn again when that part can be read again. */
function unavailableNotes(...lists) {
  const byWhere = new Map();
  for (const u of lists.flatMap((l) => l.unavailable || [])) if (!byWhere.has(u.where) || u.lastSeenAt) byWhere.set(u.where, u);
  return [...byWhere].map(([where, u]) => el('div', { class: 'unavailable', role: 'status', 'data-where': where },
    u.notLive
      ? 'The runs of ' + where + ' are not live: ' + u.message + '\n' + u.hint
      : u.lastSeenAt
      ? 'The runs of ' + where + ' cannot be read just now: ' + u.message + '\nThey are shown as last seen at ' + new Date(u.lastSeenAt).toLocaleTimeString() + ', marked so, and cannot be acted on until it answers again.' + (u.hint ? '\n' + u.hint : '')
      : 'The runs of ' + where + ' cannot be shown: ' + u.message + '\n' + (u.hint || 'The list shows them again once they can be read.')));
}

async function renderList() {
  const [listed, workflowList] = await Promise.all([getJson('/api/runs'), getJson('/api/workflows')]);
  const runs = listed.runs;
  const named = workflowList.workflows;
  const namespaces = [...new Set(runs.flatMap((r) => (placeOf(r) === undefined ? [] : [placeOf(r)])))].sort();
  const workflows = [...new Set(runs.map((r) => r.workflow))].sort();
  const phases = [...new Set(runs.map((r) => r.phase))].sort();
  const select = (name, values) => {
    const s = el('select', { id: 'filter-' + name, onchange: () => { filters[name] = s.value; render(); } }, el('option', { value: '' }, 'all ' + name + 's'));
    for (const v of values) { const o = el('option', { value: v }, v === LOCAL_PLACE ? 'local runs' : v); if (filters[name] === v) o.selected = true; s.append(o); }
    return s;
  };
  const rows = runs.filter((r) => (!filters.namespace || placeOf(r) === filters.namespace) && (!filters.workflow || r.workflow === filters.workflow) && (!filters.phase || r.phase === filters.phase));
  const list = el('ul', { id: 'workflows', class: 'workflows' }, ...named.map((w) => el('li', { 'data-workflow': w.id || w.name, 'data-local': w.local ? 'true' : undefined },
    el('a', { href: '#/workflow/' + encodeURIComponent(w.id || w.name) }, w.name), w.local ? ' (local)' : '', w.description ? ' — ' + w.description : '')));
  view.replaceChildren(el('h1', {}, 'Runs'), ...unavailableNotes(listed, workflowList), el('div', { class: 'filters' }, ...(namespaces.length ? [select('namespace', namespaces)] : []), select('workflow', workflows), select('phase', phases)),
    rows.length ? runsTable(rows) : el('p', { class: 'muted' }, 'No runs.'),
    el('h2', {}, 'Workflows'), named.length ? list : el('p', { class: 'muted' }, 'No workflows.'));
}
`;

const ROUTER = String.raw`
let rendering = Promise.resolve();
function render() {
  rendering = rendering.then(async () => {
    try {
      const run = /^#\/run\/(.+)$/.exec(location.hash);
      const workflow = /^#\/workflow\/(.+)$/.exec(location.hash);
      if (!run) closeLog();
      if (run) await renderRun(decodeURIComponent(run[1]));
      else if (workflow) await renderWorkflow(decodeURIComponent(workflow[1]));
      else await renderList();
    } catch (error) {
      say(String(error.message || error), false);
    }
  });
  return rendering;
}

window.addEventListener('hashchange', () => {
  logStep = '';
  closeLog();
  if (!keepNotice) notice.hidden = true;
  keepNotice = false;
  render();
});
const events = new EventSource(api('/api/events'));
const live = document.getElementById('live');
events.addEventListener('open', () => { live.textContent = 'live'; live.className = 'live on'; });
events.addEventListener('error', () => { live.textContent = 'reconnecting…'; live.className = 'live'; });
let changes = 0;
events.addEventListener('change', (e) => {
  changes += 1;
  live.setAttribute('data-changes', String(changes));
  live.title = 'last change ' + new Date().toLocaleTimeString();
  // A run's page is drawn again for a change of its run only (in a busy namespace, other runs'
  // changes would redraw it many times a second: its graph laid out again, a selection lost).
  const shown = /^#\/run\/(.+)$/.exec(location.hash);
  if (shown && !JSON.parse(e.data).runs.includes(decodeURIComponent(shown[1]))) return;
  render();
});
// What goes on with nothing to announce it (a step that runs and writes no state): the durations
// that have not ended, and the running attempts' bars of the timeline.
setInterval(() => {
  for (const span of document.querySelectorAll('span.duration[data-from]')) span.textContent = duration(Number(span.getAttribute('data-from')));
  redrawTimeline();
}, 1000);
render();
`;

export const CLIENT_SCRIPT =
  CORE + TIMELINE_TICKS_SCRIPT + TIMELINE_SCRIPT + RUN_PAGE_SCRIPT + WORKFLOW_PAGE_SCRIPT + ROUTER;
