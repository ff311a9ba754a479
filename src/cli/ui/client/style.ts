// The UI's stylesheet, served as /app.css (no inline styles under the CSP).
export const CLIENT_STYLE = `
body { font: 14px/1.45 system-ui, Helvetica, Arial, sans-serif; margin: 0; color: #111827; background: #f9fafb; }
header { display: flex; gap: 1em; align-items: baseline; padding: .6em 1em; background: #111827; color: #f9fafb; }
header a { color: #f9fafb; font-weight: bold; text-decoration: none; }
#where { color: #d1d5db; }
.live { margin-left: auto; font-size: 12px; color: #9ca3af; }
.live.on { color: #86efac; }
main { padding: 1em; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .35em .6em; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
th { font-size: 12px; color: #4b5563; text-transform: uppercase; }
tr.run-row { cursor: pointer; }
td.namespace.local { font-style: italic; color: #4b5563; }
tr.run-row:hover, tr.step-row:hover { background: #f3f4f6; }
.phase { display: inline-block; padding: 0 .5em; border-radius: 9px; border: 1px solid #6b7280; font-size: 12px; }
.phase-Succeeded { background: #dcfce7; border-color: #15803d; }
.phase-Failed { background: #fee2e2; border-color: #b91c1c; }
.phase-Running, .phase-Pending { background: #dbeafe; border-color: #1d4ed8; }
.phase-AwaitingApproval { background: #fef3c7; border-color: #b45309; }
.phase-Cancelled, .phase-Skipped { background: #e5e7eb; border-color: #374151; }
.filters { display: flex; gap: 1em; margin-bottom: .8em; }
.graph { background: #fff; border: 1px solid #e5e7eb; overflow: auto; margin: 1em 0; }
.graph svg { display: block; }
.graph g.step { cursor: pointer; }
.approval { background: #fffbeb; border: 1px solid #f59e0b; padding: .6em 1em; margin: .6em 0; }
.approval textarea { width: 100%; min-height: 3em; }
.actions button, .approval button { margin-right: .5em; }
#notice { margin: .6em 1em; padding: .6em 1em; border: 1px solid #b91c1c; background: #fee2e2; white-space: pre-wrap; }
#notice.ok { border-color: #15803d; background: #dcfce7; }
tr.run-row.stale td { color: #6b7280; }
tr.run-row.stale .phase { opacity: .6; }
.stale-mark { font-size: 12px; color: #b45309; white-space: nowrap; }
.unavailable { padding: .6em 1em; margin-bottom: .8em; border: 1px solid #b45309; background: #fef3c7; white-space: pre-wrap; }
pre.logs { background: #111827; color: #e5e7eb; padding: .8em; overflow: auto; max-height: 30em; white-space: pre-wrap; }
.muted { color: #6b7280; }
h2 { font-size: 15px; margin: 1.2em 0 .4em; }
tr.step-row { cursor: pointer; }
tr.step-row.selected { background: #e0e7ff; }
tr.group-row td:first-child { font-weight: 600; }
td.attempts div { white-space: nowrap; }
td pre { margin: 0; white-space: pre-wrap; word-break: break-all; }
.rules { margin: .3em 0; }
ul.decisions { margin: .3em 0; padding-left: 1.2em; }
.timeline { background: #fff; border: 1px solid #e5e7eb; overflow: auto; }
.timeline svg { display: block; font-size: 11px; }
.timeline .tick { stroke: #e5e7eb; }
.timeline .tick-label { fill: #6b7280; }
.timeline .step-label { fill: #111827; }
.timeline .timeline-row { cursor: pointer; }
.timeline .bar { stroke-width: 1; }
.timeline .outcome-Succeeded { fill: #86efac; stroke: #15803d; }
.timeline .outcome-Failed { fill: #fca5a5; stroke: #b91c1c; }
.timeline .outcome-Cancelled { fill: #d1d5db; stroke: #374151; }
.timeline .outcome-Running { fill: #93c5fd; stroke: #1d4ed8; }
tr.event-Warning td:nth-child(2) { color: #b45309; font-weight: 600; }
ul.workflows { background: #fff; border: 1px solid #e5e7eb; margin: 0; padding: .5em 2em; }
td.next div { white-space: nowrap; }
#run-message { background: #fff; border-left: 3px solid #6b7280; padding: .3em .8em; }
`;
