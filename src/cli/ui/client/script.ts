// The UI's script, served as /app.js: renders the runs list and a run page from the JSON API, and
// refreshes what is shown whenever the server says runs changed (server-sent events). Everything
// from a run is put in the page as text (textContent), never as markup, except the graph, which
// the server renders as SVG with every name escaped.
export const CLIENT_SCRIPT = String.raw`
const token = new URLSearchParams(location.search).get('token') || '';
const api = (path) => path + (path.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token);
const view = document.getElementById('view');
const notice = document.getElementById('notice');
const filters = { workflow: '', phase: '' };
let logStep = '';

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
  const res = await fetch(api(path), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body || {}) });
  const result = await res.json().catch(() => ({ ok: false, message: res.statusText }));
  say(result.message || (result.ok ? 'Done.' : 'Refused.'), result.ok);
  await render();
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
  return s < 60 ? s + 's' : Math.floor(s / 60) + 'm' + String(s % 60).padStart(2, '0') + 's';
}

async function renderList() {
  const { runs } = await getJson('/api/runs');
  const workflows = [...new Set(runs.map((r) => r.workflow))].sort();
  const phases = [...new Set(runs.map((r) => r.phase))].sort();
  const select = (name, values) => {
    const s = el('select', { id: 'filter-' + name, onchange: () => { filters[name] = s.value; render(); } }, el('option', { value: '' }, 'all ' + name + 's'));
    for (const v of values) { const o = el('option', { value: v }, v); if (filters[name] === v) o.selected = true; s.append(o); }
    return s;
  };
  const rows = runs.filter((r) => (!filters.workflow || r.workflow === filters.workflow) && (!filters.phase || r.phase === filters.phase));
  const table = el('table', { id: 'runs' }, el('tr', {}, ...['Run', 'Workflow', 'Phase', 'Progress', 'Duration', 'Started by', 'Waiting for approval'].map((h) => el('th', {}, h))));
  for (const r of rows) {
    table.append(el('tr', { class: 'run-row', 'data-run': r.id, onclick: () => { location.hash = '#/run/' + encodeURIComponent(r.id); } },
      el('td', {}, el('a', { href: '#/run/' + encodeURIComponent(r.id) }, r.id)), el('td', {}, r.workflow), el('td', {}, phase(r.phase)),
      el('td', {}, r.done + '/' + r.total), el('td', {}, duration(r.startedAt, r.finishedAt)), el('td', {}, r.createdBy || ''), el('td', {}, r.waiting.join(', '))));
  }
  view.replaceChildren(el('h1', {}, 'Runs'), el('div', { class: 'filters' }, select('workflow', workflows), select('phase', phases)),
    rows.length ? table : el('p', { class: 'muted' }, 'No runs.'));
}

async function showLogs(id, step) {
  logStep = step;
  const result = await getJson('/api/runs/' + encodeURIComponent(id) + '/logs?step=' + encodeURIComponent(step));
  const pre = document.getElementById('logs');
  if (pre && logStep === step) { pre.textContent = result.message || '(no output yet)'; document.getElementById('logs-title').textContent = 'Output of ' + step; }
}

async function renderRun(id) {
  const run = await getJson('/api/runs/' + encodeURIComponent(id));
  const parts = [el('h1', {}, run.id + ' ', phase(run.phase)),
    el('p', { class: 'muted' }, run.workflow + ' · ' + run.done + '/' + run.total + ' steps · ' + duration(run.startedAt, run.finishedAt) + (run.createdBy ? ' · started by ' + run.createdBy : '') + ' · ' + run.where)];
  if (run.message) parts.push(el('p', {}, run.message));
  for (const a of run.approvals) {
    const comment = el('textarea', { id: 'comment-' + a.step, placeholder: 'comment' });
    const who = a.users.length || a.groups.length ? 'Approvers: users [' + a.users.join(', ') + '], groups [' + a.groups.join(', ') + ']' : 'Anyone who may change the run can approve.';
    const decide = (decision) => post('/api/runs/' + encodeURIComponent(run.id) + '/approve', { step: a.step, decision, comment: comment.value });
    parts.push(el('div', { class: 'approval', 'data-approval': a.step }, el('strong', {}, a.step + ' waits for approval. '), el('span', {}, who + (a.allowSelfApproval ? '' : ' The run\'s creator may not approve it (four eyes).')), comment,
      el('button', { id: 'approve-' + a.step, disabled: run.actions.approve ? undefined : 'disabled', onclick: () => decide('approved') }, 'Approve'),
      el('button', { id: 'reject-' + a.step, onclick: () => decide('rejected') }, 'Reject')));
  }
  const actions = el('div', { class: 'actions' });
  if (run.actions.resume) actions.append(el('button', { id: 'resume', onclick: () => post('/api/runs/' + encodeURIComponent(run.id) + '/resume') }, 'Resume'));
  if (run.actions.cancel) actions.append(el('button', { id: 'cancel', onclick: () => post('/api/runs/' + encodeURIComponent(run.id) + '/cancel') }, 'Cancel'));
  parts.push(actions);
  const graph = el('div', { class: 'graph', id: 'graph' });
  graph.innerHTML = run.svg;
  for (const g of graph.querySelectorAll('g.step')) g.addEventListener('click', () => showLogs(run.id, g.getAttribute('data-step')));
  parts.push(graph);
  const table = el('table', { id: 'steps' }, el('tr', {}, ...['Step', 'Phase', 'Attempts', 'Exit code', 'Duration', 'Reason'].map((h) => el('th', {}, h))));
  for (const s of run.steps) {
    table.append(el('tr', { class: 'step-row', 'data-step': s.name, onclick: () => showLogs(run.id, s.name) }, el('td', {}, s.name), el('td', {}, phase(s.phase)), el('td', {}, s.attempts),
      el('td', {}, s.exitCode === undefined || s.exitCode === null ? '' : s.exitCode), el('td', {}, duration(s.startedAt, s.finishedAt)), el('td', {}, [s.reason, s.message].filter(Boolean).join(': '))));
  }
  parts.push(table, el('h2', { id: 'logs-title' }, logStep ? 'Output of ' + logStep : 'Output (click a step)'), el('pre', { class: 'logs', id: 'logs' }, ''));
  view.replaceChildren(...parts);
  if (logStep) await showLogs(run.id, logStep);
}

let rendering = Promise.resolve();
function render() {
  rendering = rendering.then(async () => {
    try {
      const m = /^#\/run\/(.+)$/.exec(location.hash);
      if (m) await renderRun(decodeURIComponent(m[1]));
      else await renderList();
    } catch (error) {
      say(String(error.message || error), false);
    }
  });
  return rendering;
}

window.addEventListener('hashchange', () => { logStep = ''; notice.hidden = true; render(); });
const events = new EventSource(api('/api/events'));
const live = document.getElementById('live');
events.addEventListener('open', () => { live.textContent = 'live'; live.className = 'live on'; });
events.addEventListener('error', () => { live.textContent = 'reconnecting…'; live.className = 'live'; });
events.addEventListener('change', () => render());
render();
`;
