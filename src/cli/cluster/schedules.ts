// `conveyor schedule add|list|cancel|suspend|resume`: schedules live in the operator, as entries of a
// Workflow's spec.schedules, so these commands edit that list (schedule-edits.ts says how).
import type { WorkflowObject } from '../../controller/resources.ts';
import { cronProblem, DEFAULT_TIMEZONE, nextFireTimes } from '../../spec/cron.ts';
import { workflowResource } from '../../spec/crd/resources.ts';
import { formatDiagnostic } from '../../spec/diagnostics.ts';
import { parseDuration } from '../../spec/duration.ts';
import { loadWorkflowObject } from '../../spec/load.ts';
import { resolveRunContext } from '../../spec/run-context.ts';
import { suggest } from '../../template/index.ts';
import { table } from '../commands/history.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { outputFormat, parseOptions } from '../parse-options.ts';
import { formatInputProblem, readRunInputs, RUN_INPUT_OPTIONS } from '../run-inputs.ts';
import { ClusterApi, ClusterError, clusterFailure } from './api.ts';
import { readValidWorkflow } from '../read-workflow.ts';
import { CLUSTER_OPTIONS, connect } from './connection.ts';
import { workflowObjectName } from './names.ts';
import { defaultScheduleName } from './schedule-names.ts';
import { editSchedules, schedulesOf } from './schedule-edits.ts';
import type { ScheduleEntry } from './schedule-edits.ts';
import { workflowDocument } from './workflow-document.ts';

const POLICIES = ['Allow', 'Forbid', 'Replace'];

interface ScheduleState {
  name?: string;
  nextScheduleTimes?: string[];
  lastScheduleTime?: string;
  lastRun?: { name?: string; phase?: string };
  lastSkip?: { time?: string; reason?: string; message?: string };
  active?: string[];
}

export async function scheduleAddCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseOptions('schedule add', argv, {
    ...RUN_INPUT_OPTIONS,
    ...CLUSTER_OPTIONS,
    cron: { type: 'string' },
    timezone: { type: 'string' },
    name: { type: 'string' },
    'concurrency-policy': { type: 'string' },
    'starting-deadline': { type: 'string' },
    suspend: { type: 'boolean' },
    output: { type: 'string', short: 'o' },
  });
  const output = outputFormat(values.output);
  if (positionals.length !== 1) throw new UsageError('conveyor schedule add: expected one FILE');
  if (typeof values.cron !== 'string') throw new UsageError('conveyor schedule add: --cron is required');
  const file = positionals[0] as string;
  const timezone = (values.timezone as string | undefined) ?? DEFAULT_TIMEZONE;
  const problem = cronProblem(values.cron, timezone);
  if (problem)
    throw new UsageError(`--${problem.startsWith('unknown time zone') ? 'timezone' : 'cron'}: ${problem}`);
  const policy = values['concurrency-policy'] as string | undefined;
  if (policy !== undefined && !POLICIES.includes(policy)) {
    const hint = suggest(policy, POLICIES);
    throw new UsageError(
      `--concurrency-policy must be Allow, Forbid or Replace, got '${policy}'${hint ? ` (did you mean '${hint}'?)` : ''}`,
    );
  }
  const deadline = values['starting-deadline'] as string | undefined;
  if (deadline !== undefined) {
    const parsed = parseDuration(deadline);
    if (!parsed.ok) throw new UsageError(`--starting-deadline: ${parsed.message}`);
  }
  const { origins, ...inputs } = readRunInputs(values, io.cwd);

  const loaded = await readValidWorkflow(io, file);
  if (!loaded) return EXIT.invalid;
  const text = loaded.text;
  // The scheduled runs get these inputs: refuse now what would fail every night.
  const context = resolveRunContext(loaded.workflow, { ...inputs, runId: 'scheduled' });
  if (!context.ok) {
    for (const p of context.problems) io.stderr.write(`${formatInputProblem(file, p, origins)}\n`);
    return EXIT.invalid;
  }
  const objectName = workflowObjectName(loaded.workflow.name);
  const name =
    (values.name as string | undefined) ?? defaultScheduleName(objectName, inputs.environment, values.cron);
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63)
    throw new UsageError(`--name '${name}': use lowercase letters, digits and '-' (at most 63)`);
  const entry: ScheduleEntry = {
    name,
    cron: values.cron,
    ...(values.timezone !== undefined ? { timezone } : {}),
    ...(Object.keys(inputs.parameters).length ? { parameters: inputs.parameters } : {}),
    ...(inputs.environment !== undefined ? { environment: inputs.environment } : {}),
    ...(policy !== undefined ? { concurrency_policy: policy } : {}),
    ...(deadline !== undefined ? { starting_deadline: deadline } : {}),
    ...(values.suspend ? { suspend: true } : {}),
  };
  const document = workflowDocument(text, file);
  const wrapped = workflowResource({ ...document, name: objectName });
  if (!wrapped.ok) {
    io.stderr.write(`${file}: ${wrapped.message}\n`);
    return EXIT.invalid;
  }

  const target = connect(values, io);
  const api = new ClusterApi(target);
  try {
    await api.applyWorkflow({
      ...wrapped.resource,
      metadata: { name: objectName, namespace: target.namespace },
    });
    const replaced = await editSchedules(api, objectName, (list) => {
      const others = list.filter((s) => s.name !== name);
      const merged = [...others, entry];
      // The whole workflow is checked with the new entry, so the operator will not refuse it.
      const check = loadWorkflowObject({ ...document, name: objectName, schedules: merged }, file, []);
      const errors = check.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length) throw new UsageError(errors.map(formatDiagnostic).join('\n'));
      return { list: merged, result: others.length !== list.length };
    });
    const next = nextFireTimes(values.cron, timezone, io.now(), 3).map((t) => new Date(t).toISOString());
    if (output === 'json') {
      io.stdout.write(
        `${JSON.stringify({ name, workflow: objectName, namespace: target.namespace, schedule: entry, replaced, next }, null, 2)}\n`,
      );
    } else {
      io.stdout.write(
        `Schedule ${name} ${replaced ? 'updated' : 'added'} on Workflow ${objectName} (${target.where}): ` +
          `${values.cron}${values.timezone !== undefined ? ` (${timezone})` : ''}\n` +
          `Next runs: ${next.join(', ') || 'never'}\n`,
      );
    }
    return EXIT.succeeded;
  } catch (error) {
    return clusterFailure('schedule add', error, io);
  }
}

export async function scheduleListCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values } = parseOptions('schedule list', argv, {
    ...CLUSTER_OPTIONS,
    output: { type: 'string', short: 'o' },
  });
  const output = outputFormat(values.output);
  const target = connect(values, io);
  const api = new ClusterApi(target);
  try {
    const workflows = await api.listWorkflows();
    const rows = workflows
      .flatMap((wf) => {
        const list = schedulesOf(wf);
        const states = ((wf.status ?? {}) as { schedules?: ScheduleState[] }).schedules ?? [];
        return list.map((s, i) => {
          const scheduleName = s.name ?? `schedule-${i + 1}`;
          const state = states.find((st) => st.name === scheduleName) ?? {};
          return {
            name: scheduleName,
            workflow: wf.metadata.name,
            cron: s.cron ?? '',
            timezone: s.timezone ?? DEFAULT_TIMEZONE,
            environment: s.environment ?? null,
            concurrency_policy: s.concurrency_policy ?? 'Forbid',
            suspended: s.suspend === true,
            next: state.nextScheduleTimes ?? [],
            last_schedule_time: state.lastScheduleTime ?? null,
            last_run: state.lastRun ?? null,
            last_skip: state.lastSkip ?? null,
            active: state.active ?? [],
          };
        });
      })
      .sort((a, b) => a.name.localeCompare(b.name) || a.workflow.localeCompare(b.workflow));
    if (output === 'json') {
      io.stdout.write(`${JSON.stringify({ namespace: target.namespace, schedules: rows }, null, 2)}\n`);
      return EXIT.succeeded;
    }
    if (rows.length === 0) {
      io.stdout.write(`No schedules in ${target.where}.\n`);
      return EXIT.succeeded;
    }
    io.stdout.write(
      table(
        ['NAME', 'WORKFLOW', 'CRON', 'TIMEZONE', 'POLICY', 'NEXT', 'LAST RUN', 'ACTIVE'],
        rows.map((r) => [
          r.name,
          r.workflow,
          r.cron,
          r.timezone,
          r.concurrency_policy,
          r.suspended ? '(suspended)' : (r.next[0] ?? '-'),
          r.last_run ? `${r.last_run.name ?? ''} ${r.last_run.phase ?? ''}`.trim() : '-',
          String(r.active.length),
        ]),
      ),
    );
    return EXIT.succeeded;
  } catch (error) {
    return clusterFailure('schedule list', error, io);
  }
}

/** `cancel` removes a schedule; `suspend` and `resume` keep it and set its `suspend`. */
export async function scheduleEditCommand(
  verb: 'cancel' | 'suspend' | 'resume',
  argv: readonly string[],
  io: CliIO,
): Promise<number> {
  const { values, positionals } = parseOptions(`schedule ${verb}`, argv, {
    ...CLUSTER_OPTIONS,
    workflow: { type: 'string', short: 'w' },
  });
  if (positionals.length !== 1) throw new UsageError(`conveyor schedule ${verb}: expected one schedule NAME`);
  const name = positionals[0] as string;
  const target = connect(values, io);
  const api = new ClusterApi(target);
  try {
    const workflows = await api.listWorkflows();
    const owners = workflows.filter(
      (wf) =>
        (values.workflow === undefined || wf.metadata.name === values.workflow) &&
        schedulesOf(wf).some((s, i) => (s.name ?? `schedule-${i + 1}`) === name),
    );
    if (owners.length === 0) {
      const known = workflows.flatMap((wf) => schedulesOf(wf).map((s, i) => s.name ?? `schedule-${i + 1}`));
      const hint = suggest(name, known);
      io.stderr.write(
        `conveyor schedule ${verb}: no schedule '${name}' in ${target.where}` +
          `${hint ? ` (did you mean '${hint}'?)` : known.length ? ` (schedules: ${known.join(', ')})` : ''}\n`,
      );
      return EXIT.failed;
    }
    if (owners.length > 1) {
      io.stderr.write(
        `conveyor schedule ${verb}: '${name}' is a schedule of ${owners.map((w) => w.metadata.name).join(', ')}: say which with --workflow\n`,
      );
      return EXIT.failed;
    }
    const workflow = (owners[0] as WorkflowObject).metadata.name;
    await editSchedules(api, workflow, (list) => {
      const index = list.findIndex((s, i) => (s.name ?? `schedule-${i + 1}`) === name);
      if (index < 0) throw new ClusterError(`schedule '${name}' went away meanwhile`, 404);
      if (verb === 'cancel') return { list: list.filter((_, i) => i !== index), result: true };
      // An unnamed schedule gets its name written, so that removing an earlier one keeps it apart.
      const edited = list.map((s, i) => (i === index ? { ...s, name, suspend: verb === 'suspend' } : s));
      return { list: edited, result: true };
    });
    const done = { cancel: 'removed from', suspend: 'suspended on', resume: 'resumed on' }[verb];
    io.stdout.write(`Schedule ${name} ${done} Workflow ${workflow} (${target.where}).\n`);
    return EXIT.succeeded;
  } catch (error) {
    return clusterFailure(`schedule ${verb}`, error, io);
  }
}
