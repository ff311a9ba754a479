// `conveyor run FILE`: validate, resolve the inputs, then run locally (or print the plan with
// --dry-run). Exit codes: 0 succeeded, 1 failed, 2 invalid input, 3 waiting for approval,
// 4 succeeded but Degraded (a step replaced by its fallback), 130 cancelled.
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { buildPlan, createRunState } from '../../engine/index.ts';
import type { RunOptions } from '../../engine/types.ts';
import { formatDiagnostic } from '../../spec/diagnostics.ts';
import { parseDuration } from '../../spec/duration.ts';
import { resolveRunContext } from '../../spec/run-context.ts';
import { ENVIRONMENT_WITHOUT_DEFAULT } from '../../spec/validate.ts';
import { readApproveOption } from '../approve-option.ts';
import { printDryRun } from '../dry-run.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { runLocally } from '../local-run.ts';
import { notificationsOptionUsage, readNotificationsOption } from '../notifications-option.ts';
import { outputFormat, parseOptions } from '../parse-options.ts';
import { readValidWorkflow } from '../read-workflow.ts';
import { formatInputProblem, readRunInputs, RUN_INPUT_OPTIONS } from '../run-inputs.ts';
import { ensureWritableStateDir, openStateStore } from '../state-dir.ts';
import { lockRunOrRefuse } from '../run-lock-refusal.ts';
import { wantsCluster } from '../cluster/backend-choice.ts';

export const runUsage = `Usage: conveyor run FILE [options]

Runs a workflow on this machine, each step a local process.

Options:
  --set KEY=VALUE,...     parameters (Helm syntax: lists as {a,b}, \\, for a comma)
  --parameter-file FILE   parameters from a YAML or JSON mapping (- for standard input; of several
                          files the later wins; --set wins over them)
  -e, --env ENV           the target environment (.environment)
  --dry-run               print the plan: inputs, order and parallel waves, commands
  --parallel N            run at most N steps at once
  --continue-on-error     like make -k: after a failure, run what does not depend on it
                          (its dependents are skipped; the run still fails)
  --timeout DURATION      overall timeout, e.g. 30m
  --save-state            accepted for compatibility: every run's state is always saved
  --state-dir DIR         where states and logs live (default .conveyor)
  --approve STEP,...      approve these manual-approval steps in advance
  --auto-approve          approve every manual-approval step
  --run-id ID             name the run (default: workflow name, time and a random suffix)
  -o, --output text|json  json: one JSON document on stdout at the end, progress on stderr
${notificationsOptionUsage}

Exit codes: 0 succeeded, 1 failed, 2 invalid input, 3 waiting for approval, 4 succeeded but
Degraded (a step was replaced by its fallback), 130 cancelled.

Examples:
  conveyor run deploy.yaml --set environment=staging,image_tag=v2
  conveyor run deploy.yaml --parameter-file params.yaml --parallel 4
  conveyor run deploy.yaml --dry-run

To run it in Kubernetes instead: conveyor run FILE --cluster (see conveyor run --cluster --help).`;

export const RUN_OPTIONS = {
  ...RUN_INPUT_OPTIONS,
  'dry-run': { type: 'boolean' },
  parallel: { type: 'string' },
  'continue-on-error': { type: 'boolean' },
  timeout: { type: 'string' },
  'save-state': { type: 'boolean' },
  'state-dir': { type: 'string' },
  approve: { type: 'string', multiple: true },
  'auto-approve': { type: 'boolean' },
  'run-id': { type: 'string' },
  output: { type: 'string', short: 'o' },
  'notifications-config': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runCommand(argv: readonly string[], io: CliIO): Promise<number> {
  // Against a cluster (--cluster, --context, --kubeconfig, or run as kubectl-conveyor): see cluster/run.ts.
  if (wantsCluster(argv)) return (await import('../cluster/run.ts')).clusterRunCommand(argv, io);
  const { values, positionals } = parseOptions('run', argv, RUN_OPTIONS);
  if (values.help) {
    io.stdout.write(`${runUsage}\n`);
    return EXIT.succeeded;
  }
  const output = outputFormat(values.output);
  if (positionals.length !== 1) throw new UsageError(`conveyor run: expected one FILE\n\n${runUsage}`);
  const file = positionals[0] as string;
  const options = readRunOptions(values);
  const notifications = values['dry-run']
    ? undefined
    : readNotificationsOption(values['notifications-config'] as string | undefined, io.env);
  const { origins, ...inputs } = readRunInputs(values, io.cwd);
  const diagnosticsOut = io.stderr;

  const loaded = await readValidWorkflow(io, file);
  if (!loaded) return EXIT.invalid;
  const text = loaded.text;
  // Warnings matter when editing, not on every run: one line points at `validate` for the details.
  const environmentGiven = inputs.environment !== undefined || inputs.parameters.environment !== undefined;
  const warnings = loaded.diagnostics.filter(
    (d) => d.severity === 'warning' && !(environmentGiven && d.code === ENVIRONMENT_WITHOUT_DEFAULT),
  );
  if (warnings.length === 1) diagnosticsOut.write(`${formatDiagnostic(warnings[0]!)}\n`);
  else if (warnings.length > 1)
    diagnosticsOut.write(`${file}: ${warnings.length} warnings (see: conveyor validate ${file})\n`);
  const workflow = loaded.workflow;

  const runId = (values['run-id'] as string | undefined) ?? newRunId(workflow.name, io.now());
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,120}$/.test(runId))
    throw new UsageError(`--run-id ${JSON.stringify(runId)}: use letters, digits, '.', '_' and '-'`);
  const context = resolveRunContext(workflow, { ...inputs, runId });
  if (!context.ok) {
    for (const p of context.problems) diagnosticsOut.write(`${formatInputProblem(file, p, origins)}\n`);
    return EXIT.invalid;
  }
  const plan = buildPlan(workflow);
  const store = openStateStore(io, values);
  const state = createRunState(
    plan,
    {
      runId,
      context: context.context,
      // As approve and stop name the user: $USER, else the account (cron and containers set no USER).
      creator: io.env.USER ?? userInfo().username,
      breakers: store.loadBreakers(workflow.name),
      options,
    },
    io.now(),
  );
  const approve = readApproveOption(values, plan);
  if (values['dry-run']) {
    printDryRun(io, plan, state, output);
    return EXIT.succeeded;
  }
  ensureWritableStateDir(store);
  // The lock comes first: of two processes starting the same --run-id at once, one gets the run.
  const lock = lockRunOrRefuse(store, runId, 'run', io.now());
  try {
    if (store.load(runId))
      throw new UsageError(
        `a run named ${runId} already exists in ${store.root}; resume it or pick another --run-id`,
      );
    return await runLocally({
      io,
      store,
      plan,
      state,
      saved: { version: 1, runId, file, workflowText: text, inputs, options },
      round: { command: 'run' },
      approve,
      autoApprove: values['auto-approve'] === true,
      output,
      interactive: process.stdin.isTTY === true && io.stderr.isTTY && !io.env.CI,
      ...(notifications ? { notifications } : {}),
    });
  } finally {
    lock.release();
  }
}

export function readRunOptions(values: Record<string, unknown>): RunOptions {
  let maxParallel: number | undefined;
  if (values.parallel !== undefined) {
    maxParallel = Number(values.parallel);
    if (!Number.isInteger(maxParallel) || maxParallel < 1) {
      throw new UsageError(
        `--parallel must be a whole number of at least 1, got ${JSON.stringify(values.parallel)}`,
      );
    }
  }
  let timeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    const d = parseDuration(values.timeout);
    if (!d.ok) throw new UsageError(`--timeout: ${d.message}`);
    timeoutMs = d.ms;
  }
  return {
    ...(maxParallel !== undefined ? { maxParallel } : {}),
    ...(values['continue-on-error'] === true ? { continueOnError: true } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  };
}

export function newRunId(workflow: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const base =
    workflow
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'run';
  return `${base}-${stamp}-${randomBytes(2).toString('hex')}`;
}
