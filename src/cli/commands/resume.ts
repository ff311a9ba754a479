// `conveyor resume RUN`: continues a run that stopped for an approval, or re-runs a failed or
// cancelled one from its unfinished steps, keeping what succeeded and its outputs.
import { buildPlan, prepareResume } from '../../engine/index.ts';
import { formatDiagnostic } from '../../spec/diagnostics.ts';
import { loadWorkflow } from '../../spec/load.ts';
import { readApproveOption } from '../approve-option.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { runLocally } from '../local-run.ts';
import { outputFormat, parseOptions } from '../parse-options.ts';
import { openStateStore, STATE_DIR_OPTION } from '../state-dir.ts';
import { readRunOptions } from './run.ts';
import { wantsCluster } from '../cluster/backend-choice.ts';

export const resumeUsage = `Usage: conveyor resume RUN [--approve STEP,...] [--auto-approve] [--parallel N] [--timeout D] [--output text|json] [--state-dir DIR]

Continues a run that waits for approval, or re-runs a failed or cancelled run from its failed steps.`;

export async function resumeCommand(argv: readonly string[], io: CliIO): Promise<number> {
  // Against a cluster (--cluster, --context, --kubeconfig, or run as kubectl-conveyor): see cluster/resume.ts.
  if (wantsCluster(argv)) return (await import('../cluster/resume.ts')).clusterResumeCommand(argv, io);
  const { values, positionals } = parseOptions('resume', argv, {
    ...STATE_DIR_OPTION,
    approve: { type: 'string', multiple: true },
    'auto-approve': { type: 'boolean' },
    parallel: { type: 'string' },
    timeout: { type: 'string' },
    'continue-on-error': { type: 'boolean' },
    'save-state': { type: 'boolean' },
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${resumeUsage}\n`);
    return EXIT.succeeded;
  }
  const output = outputFormat(values.output);
  if (positionals.length !== 1) throw new UsageError(`conveyor resume: expected RUN\n\n${resumeUsage}`);
  const runId = positionals[0] as string;
  const store = openStateStore(io, values);
  const saved = store.load(runId);
  if (!saved) throw new UsageError(`no run ${runId} in ${store.root} (see: conveyor history)`);
  // The run goes on with the workflow it started with, whatever the file says now.
  const loaded = loadWorkflow(saved.workflowText, saved.file);
  if (!loaded.workflow) {
    for (const d of loaded.diagnostics) io.stderr.write(`${formatDiagnostic(d)}\n`);
    return EXIT.invalid;
  }
  const plan = buildPlan(loaded.workflow);
  const options = { ...saved.options, ...readRunOptions(values) };
  const previous = saved.state;
  let state = previous;
  if (previous.phase === 'Succeeded') {
    io.stdout.write(`Run ${runId} already succeeded; nothing to resume.\n`);
    return EXIT.succeeded;
  }
  // A finished run starts a new round from its failed steps; a run saved mid-way by a process that
  // died still shows attempts as running, which nothing will ever report on: start a new round too.
  if (previous.stage === 'done' || previous.steps.some((s) => s.phase === 'Running')) {
    state = prepareResume(plan, previous, io.now(), options);
  }
  const approve = readApproveOption(values, plan);
  const now = io.now();
  const flagged = state.steps
    .filter((s) => s.phase === 'AwaitingApproval' && (values['auto-approve'] === true || approve.has(s.name)))
    .map((s) => ({
      kind: 'approvalDecided' as const,
      step: s.name,
      user: io.env.USER ?? 'local',
      decision: 'approved' as const,
      override: true,
      at: now,
    }));
  const result = await runLocally({
    io,
    store,
    plan,
    state,
    initialObservations: [...(saved.pending ?? []), ...flagged],
    saved: {
      version: saved.version,
      runId,
      file: saved.file,
      workflowText: saved.workflowText,
      inputs: saved.inputs,
      options,
    },
    saveContinuously: values['save-state'] === true,
    approve,
    autoApprove: values['auto-approve'] === true,
    output,
    interactive: process.stdin.isTTY === true && io.stderr.isTTY && !io.env.CI,
  });
  return result;
}
