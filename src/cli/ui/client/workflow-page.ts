// The workflow page, as client code: the workflow's graph, its parameters (type, required,
// default, description), its schedules with their next fire times, and its recent runs.
export const WORKFLOW_PAGE_SCRIPT = String.raw`
const at = (ms) => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

function scheduleRows(w) {
  return w.schedules.map((s) => el('tr', { 'data-schedule': s.name },
    el('td', {}, s.name), el('td', {}, el('code', {}, s.cron)), el('td', {}, s.timezone),
    el('td', { class: 'next' }, s.suspend ? 'suspended' : s.problem ? s.problem : s.next.length ? '' : 'never',
      ...s.next.map((t) => el('div', { 'data-at': t }, at(t)))),
    el('td', {}, s.concurrencyPolicy), el('td', {}, [s.environment ? '-e ' + s.environment : '', ...Object.entries(s.parameters).map(([k, v]) => k + '=' + JSON.stringify(v))].filter(Boolean).join(' '))));
}

async function renderWorkflow(name) {
  const w = await getJson('/api/workflows/' + encodeURIComponent(name));
  const parts = [el('h1', {}, w.name), el('p', { class: 'muted' }, 'From ' + w.source + ' · ' + w.where)];
  if (w.stale) parts.push(el('div', { id: 'stale', class: 'unavailable', role: 'status' }, w.where + ' cannot be reached just now: ' + w.stale.message +
    '\nThis is the workflow as last read, and its runs as last seen at ' + new Date(w.stale.lastSeenAt).toLocaleTimeString() + '.'));
  if (w.description) parts.push(el('p', { id: 'workflow-description' }, w.description));
  const graph = el('div', { class: 'graph', id: 'graph' });
  graph.innerHTML = w.svg;
  parts.push(graph);
  parts.push(el('h2', {}, 'Parameters'), w.parameters.length
    ? table('parameters', ['Name', 'Type', 'Required', 'Default', 'Description'], w.parameters.map((p) => el('tr', { 'data-parameter': p.name },
      el('td', {}, p.name), el('td', {}, p.type), el('td', {}, p.required ? 'yes' : ''), el('td', {}, p.default === undefined ? '' : el('code', {}, p.default)), el('td', {}, p.description || ''))))
    : el('p', { class: 'muted', id: 'parameters' }, 'No parameters.'));
  parts.push(el('h2', {}, 'Schedules'));
  if (!w.schedulesRun && w.schedules.length) parts.push(el('p', { class: 'muted' }, 'Schedules fire in the operator (conveyor schedule add … --cluster); a state directory runs none.'));
  parts.push(w.schedules.length
    ? table('schedules', ['Name', 'Cron', 'Time zone', 'Next fire times', 'Concurrency', 'Inputs'], scheduleRows(w))
    : el('p', { class: 'muted', id: 'schedules' }, 'No schedules.'));
  parts.push(el('h2', {}, 'Recent runs'), w.runs.length ? runsTable(w.runs) : el('p', { class: 'muted' }, 'No runs.'));
  view.replaceChildren(...parts);
}
`;
