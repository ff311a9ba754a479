// The run page, as client code: the run's phase and who started it, its approvals (who may decide,
// the four-eyes rule, the decisions so far), the CLI's operations as buttons, the graph, the
// timeline, the steps with every attempt's exit code, the selected step's output (streamed as the
// step writes it), the outputs, the conditions and the Events. Everything from the run is text.
export const RUN_PAGE_SCRIPT = String.raw`
let logStep = '';
// The run the page shows, for the timeline's redrawing while attempts run.
let shownRun;
// The selected step's output: its box (kept from one drawing of the page to the next, scroll
// position and all) and the server-sent event stream that appends to it as the step writes.
let log;

const attemptText = (a) => '#' + a.attempt + (a.purpose === 'main' ? '' : ' ' + a.purpose) + ': ' + (a.outcome || (a.finishedAt ? 'ended' : a.startedAt ? 'running' : 'starting')) + (a.exitCode === undefined || a.exitCode === null ? '' : ' (exit ' + a.exitCode + ')') + (a.timedOut ? ' timed out' : '');

function closeLog() {
  if (log && log.source) log.source.close();
  log = undefined;
}

/** How many attempts the step has had: a stream that ended is opened again when it changes (a
 *  local run resumed after an approval, a rollback's undo attempt). */
const attemptCount = (run, step) => { const s = run.steps.find((x) => x.name === step); return s ? s.attempts : 0; };

/** Streams the selected step's output into its box: everything written so far, then each piece as
 *  it is written, until the server says nothing more will come for now. */
function openLog(run) {
  const pre = log && log.run === run.id && log.step === logStep ? log.pre : el('pre', { class: 'logs', id: 'logs' }, '');
  if (log && log.source) log.source.close();
  log = { run: run.id, step: logStep, pre, attempts: attemptCount(run, logStep), ended: false };
  const current = log;
  const source = new EventSource(api('/api/runs/' + encodeURIComponent(run.id) + '/logs?step=' + encodeURIComponent(logStep)));
  current.source = source;
  let empty = true;
  // Each connection (a reconnection too) starts from the beginning of the output.
  source.addEventListener('open', () => { pre.textContent = '(no output yet)'; empty = true; });
  source.addEventListener('output', (e) => {
    const follow = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    if (empty) pre.textContent = '';
    empty = false;
    pre.append(JSON.parse(e.data));
    if (follow) pre.scrollTop = pre.scrollHeight;
  });
  const stop = (message) => {
    source.close();
    current.ended = true;
    if (message !== undefined) pre.textContent = message;
    else if (empty) pre.textContent = '(no output)';
  };
  source.addEventListener('end', () => stop());
  source.addEventListener('failure', (e) => stop(JSON.parse(e.data)));
  return pre;
}

/** The output box for this drawing of the run page: the stream goes on, or starts (again). */
function logBox(run) {
  if (!logStep) { closeLog(); return el('pre', { class: 'logs', id: 'logs' }, ''); }
  const same = log && log.run === run.id && log.step === logStep;
  if (same && (!log.ended || log.attempts === attemptCount(run, logStep))) return log.pre;
  return openLog(run);
}

function pick(run, step) {
  if (log && log.step !== step) closeLog();
  logStep = step;
  for (const r of document.querySelectorAll('#steps tr.selected')) r.classList.remove('selected');
  const row = [...document.querySelectorAll('#steps tr.step-row')].find((r) => r.getAttribute('data-step') === step);
  if (row) row.classList.add('selected');
  document.getElementById('logs-title').textContent = 'Output of ' + step;
  document.getElementById('logs').replaceWith(logBox(run));
}

/** Draws the timeline again while an attempt runs: its bar grows up to now. */
function redrawTimeline() {
  const box = document.getElementById('timeline');
  const run = shownRun;
  if (!box || !run || !location.hash.startsWith('#/run/')) return;
  if (!run.steps.some((s) => (s.attemptList || []).some((a) => !a.finishedAt))) return;
  box.replaceWith(timeline(run, (step) => pick(run, step)));
}

function table(id, headers, rows) {
  const t = el('table', { id }, el('tr', {}, ...headers.map((h) => el('th', {}, h))));
  for (const r of rows) t.append(r);
  return t;
}

function approvalBox(run, a) {
  const comment = el('textarea', { id: 'comment-' + a.step, placeholder: 'comment' });
  const who = a.users.length || a.groups.length
    ? 'Approvers: users [' + a.users.join(', ') + '], groups [' + a.groups.join(', ') + ']'
    : 'Anyone who may change the run can approve.';
  const rules = [who];
  if (a.required > 1) rules.push(a.required + ' different people must approve.');
  if (!a.allowSelfApproval) rules.push('Four eyes: the person who started the run' + (run.createdBy ? ' (' + run.createdBy + ')' : '') + ' may not approve it.');
  const decided = a.decided.length
    ? el('ul', { class: 'decisions' }, ...a.decided.map((d) => el('li', { 'data-user': d.user }, d.user + ' ' + d.decision + (d.comment ? ': ' + d.comment : '') + (d.counted === false ? ' (not counted)' : ''))))
    : el('p', { class: 'muted' }, 'No decision yet.');
  const decide = async (decision) => {
    // Cleared once sent (the page is drawn again by then), kept when refused.
    if (await post('/api/runs/' + encodeURIComponent(run.id) + '/approve', { step: a.step, decision, comment: comment.value })) {
      const sent = document.getElementById('comment-' + a.step);
      if (sent) sent.value = '';
    }
  };
  return el('div', { class: 'approval', 'data-approval': a.step },
    el('strong', {}, a.step + ' waits for approval.'), el('p', { class: 'rules' }, rules.join(' ')), decided, comment,
    el('button', { id: 'approve-' + a.step, disabled: run.actions.approve ? undefined : 'disabled', onclick: () => decide('approved') }, 'Approve'),
    el('button', { id: 'reject-' + a.step, disabled: run.actions.approve ? undefined : 'disabled', onclick: () => decide('rejected') }, 'Reject'));
}

function actionButtons(run) {
  const box = el('div', { class: 'actions' });
  const path = (action) => '/api/runs/' + encodeURIComponent(run.id) + '/' + action;
  const offer = [['resume', 'Resume'], ['retry', 'Retry'], ['rollback', 'Roll back'], ['cancel', 'Cancel']];
  for (const [action, label] of offer) {
    if (run.actions[action]) box.append(el('button', { id: action, onclick: () => post(path(action)) }, label));
  }
  return box;
}

function stepRows(run) {
  return run.steps.map((s) => el('tr', { class: 'step-row' + (s.isGroup ? ' group-row' : ''), 'data-step': s.name, 'data-phase': s.phase, onclick: () => pick(run, s.name) },
    el('td', {}, (s.group ? '\u2003' : '') + s.name + (s.role && s.role !== 'main' ? ' (' + s.role + ')' : '')), el('td', {}, phase(s.phase)),
    el('td', { class: 'attempts' }, ...(s.attemptList && s.attemptList.length ? s.attemptList.map((a) => el('div', { 'data-attempt': a.attempt }, attemptText(a))) : [s.isGroup ? '' : String(s.attempts)])),
    el('td', {}, s.exitCode === undefined || s.exitCode === null ? '' : s.exitCode), el('td', {}, since(s.startedAt, s.finishedAt)),
    el('td', {}, [s.reason, s.message].filter(Boolean).join(': '))));
}

const when = (ms) => (ms ? new Date(ms).toLocaleTimeString() : '');

async function renderRun(id) {
  const run = await getJson('/api/runs/' + encodeURIComponent(id));
  const meta = el('p', { class: 'muted' }, el('a', { href: workflowHref(run), id: 'workflow-link' }, run.workflow),
    ' · ' + run.done + '/' + run.total + ' steps · ', since(run.startedAt, run.finishedAt), (run.createdBy ? ' · started by ' + run.createdBy : '') + ' · ' + run.where);
  const parts = [el('h1', {}, run.id + ' ', phase(run.phase)), meta];
  if (run.stale) parts.push(el('div', { id: 'stale', class: 'unavailable', role: 'status' }, run.where + ' cannot be reached just now: ' + run.stale.message +
    '\nThis is the run as last seen at ' + new Date(run.stale.lastSeenAt).toLocaleTimeString() + '; its actions come back when the cluster answers again.'));
  if (run.message) parts.push(el('p', { id: 'run-message' }, [run.reason, run.message].filter(Boolean).join(': ')));
  for (const a of run.approvals) parts.push(approvalBox(run, a));
  parts.push(actionButtons(run));
  const graph = el('div', { class: 'graph', id: 'graph' });
  graph.innerHTML = run.svg;
  for (const g of graph.querySelectorAll('g.step')) g.addEventListener('click', () => pick(run, g.getAttribute('data-step')));
  parts.push(graph);
  shownRun = run;
  parts.push(el('h2', {}, 'Timeline'), timeline(run, (step) => pick(run, step)));
  parts.push(el('h2', {}, 'Steps'), table('steps', ['Step', 'Phase', 'Attempts', 'Exit code', 'Duration', 'Reason'], stepRows(run)));
  parts.push(el('h2', { id: 'logs-title' }, logStep ? 'Output of ' + logStep : 'Output (click a step)'), logBox(run));
  const outputs = Object.entries(run.outputs);
  parts.push(el('h2', {}, 'Outputs'), outputs.length
    ? table('outputs', ['Name', 'Value'], outputs.map(([k, v]) => el('tr', { 'data-output': k }, el('td', {}, k), el('td', {}, el('pre', {}, v)))))
    : el('p', { class: 'muted', id: 'outputs' }, 'No outputs.'));
  parts.push(el('h2', {}, 'Conditions'), table('conditions', ['Type', 'Status', 'Reason', 'Message', 'Since'], run.conditions.map((c) =>
    el('tr', { 'data-condition': c.type, 'data-status': c.status }, el('td', {}, c.type), el('td', {}, c.status), el('td', {}, c.reason || ''), el('td', {}, c.message || ''), el('td', {}, c.lastTransitionTime || '')))));
  if (run.raised.length) parts.push(el('p', { id: 'raised' }, 'Raised by failures: ' + run.raised.join(', ')));
  parts.push(el('h2', {}, 'Events'), run.events.length
    ? table('events', ['Time', 'Type', 'Reason', 'Message'], run.events.map((e) => el('tr', { class: 'event-' + e.type, 'data-reason': e.reason }, el('td', {}, when(e.at)), el('td', {}, e.type), el('td', {}, e.reason), el('td', {}, e.message + (e.count > 1 ? ' (×' + e.count + ')' : '')))))
    : el('p', { class: 'muted', id: 'events' }, 'No events.'));
  // What is being typed (an approval's comment) survives the drawing: a change to any run draws the
  // page again.
  const typed = [...view.querySelectorAll('textarea')].map((t) => ({ id: t.id, value: t.value, focused: t === document.activeElement, start: t.selectionStart, end: t.selectionEnd }));
  view.replaceChildren(...parts);
  for (const t of typed) {
    const area = document.getElementById(t.id);
    if (!area || area.tagName !== 'TEXTAREA') continue;
    area.value = t.value;
    if (t.focused) { area.focus(); area.setSelectionRange(t.start, t.end); }
  }
  for (const r of document.querySelectorAll('#steps tr.step-row')) if (r.getAttribute('data-step') === logStep) r.classList.add('selected');
}
`;
