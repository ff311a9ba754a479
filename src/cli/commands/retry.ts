// `conveyor retry RUN [--from STEP]`: a new run of the workflow text and the inputs RUN started
// with (whatever the file says now), under a new run id; RUN itself is left as it was. With --from,
// the new run starts at STEP: what STEP waits for counts as done (engine/start-from.ts), with the
// outputs RUN captured for it.
import { buildPlan, createRunState, startFromStep } from '../../engine/index.ts';
import { resolveRunContext } from '../../spec/run-context.ts';
import { suggest } from '../../template/did-you-mean.ts';
import { readApproveOption } from '../approve-option.ts';
import { wantsCluster } from '../cluster/backend-choice.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { runLocally } from '../local-run.ts';
import { outputFormat, parseOptions } from '../parse-options.ts';
import { formatInputProblem, readRunInputs, RUN_INPUT_OPTIONS } from '../run-inputs.ts';
import { lockRunOrRefuse } from '../run-lock-refusal.ts';
import { ensureWritableStateDir, openStateStore, STATE_DIR_OPTION } from '../state-dir.ts';
import { newRunId, readRunOptions } from './run.ts';
import { loadSavedRun, workflowOfRun } from '../saved-runs.ts';

export const retryUsage = `Usage: conveyor retry RUN [--from STEP] [--set KEY=VALUE,...] [--parameter-file FILE]
                      [--run-id ID] [--parallel N] [--timeout D] [--approve STEP,...]
                      [--auto-approve] [--output text|json] [--state-dir DIR]

Starts a new run of the workflow text and parameters RUN started with (edits to the file since then
do not count), under a new run id; RUN stays as it was. RUN may be 'latest'.

Options:
  --from STEP     start at STEP: the steps it waits for count as done (Skipped, reason
                  BeforeRetryFrom) and the outputs they captured in RUN carry over; STEP, what
                  follows it and what does not wait for it run
  --set KEY=VALUE,...    override RUN's parameters (as run --set; checked as run checks them)
  --parameter-file FILE  override RUN's parameters from a YAML or JSON mapping (--set wins)
  --run-id ID     name the new run (default: workflow name, time and a random suffix)

Examples:
  conveyor retry deploy-20260501093000-1a2b
  conveyor retry latest --from migrate
  conveyor retry deploy-20260501093000-1a2b --set image_tag=v2.1
  conveyor retry RUN --cluster        (a new WorkflowRun with RUN's workflow and parameters)`;

export async function retryCommand(argv: readonly string[], io: CliIO): Promise<number> {
  if (wantsCluster(argv)) return (await import('../cluster/retry.ts')).clusterRetryCommand(argv, io);
  const { values, positionals } = parseOptions('retry', argv, {
    ...STATE_DIR_OPTION,
    set: RUN_INPUT_OPTIONS.set,
    'parameter-file': RUN_INPUT_OPTIONS['parameter-file'],
    from: { type: 'string' },
    'run-id': { type: 'string' },
    parallel: { type: 'string' },
    timeout: { type: 'string' },
    'continue-on-error': { type: 'boolean' },
    approve: { type: 'string', multiple: true },
    'auto-approve': { type: 'boolean' },
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${retryUsage}\n`);
    return EXIT.succeeded;
  }
  const output = outputFormat(values.output);
  if (positionals.length !== 1) throw new UsageError(`conveyor retry: expected RUN\n\n${retryUsage}`);
  const store = openStateStore(io, values);
  const { saved } = loadSavedRun(store, positionals[0] as string);
  const workflow = workflowOfRun(saved, io);
  if (!workflow) return EXIT.invalid;
  const plan = buildPlan(workflow);
  const runId = (values['run-id'] as string | undefined) ?? newRunId(workflow.name, io.now());
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,120}$/.test(runId))
    throw new UsageError(`--run-id ${JSON.stringify(runId)}: use letters, digits, '.', '_' and '-'`);
  // Overrides go over what RUN recorded, as `argo retry -p`; -e is not offered: RUN's stays.
  const { origins, parameters: overrides } = readRunInputs(values, io.cwd);
  const inputs = { ...saved.inputs, parameters: { ...saved.inputs.parameters, ...overrides } };
  const context = resolveRunContext(workflow, { ...inputs, runId });
  if (!context.ok) {
    for (const p of context.problems) io.stderr.write(`${formatInputProblem(saved.file, p, origins)}\n`);
    return EXIT.invalid;
  }
  const options = { ...saved.options, ...readRunOptions(values) };
  const fresh = createRunState(
    plan,
    {
      runId,
      context: context.context,
      creator: io.env.USER ?? '',
      breakers: store.loadBreakers(workflow.name),
      options,
    },
    io.now(),
  );
  const from = values.from as string | undefined;
  const state = from === undefined ? fresh : startFromStep(plan, fresh, saved.state, from);
  if (!state) {
    const steps = plan.nodes.slice(0, plan.mainNodeCount).map((n) => n.name);
    const hint = suggest(from ?? '', steps);
    throw new UsageError(
      `--from ${from ?? ''}: workflow ${workflow.name} has no step '${from ?? ''}'${hint ? ` (did you mean '${hint}'?)` : ''}`,
    );
  }
  ensureWritableStateDir(store);
  const lock = lockRunOrRefuse(store, runId, 'retry', io.now());
  try {
    if (store.load(runId))
      throw new UsageError(
        `a run named ${runId} already exists in ${store.root}; resume it or pick another --run-id`,
      );
    (output === 'json' ? io.stderr : io.stdout).write(
      `Retrying ${saved.runId} as ${runId}${from === undefined ? '' : `, from step ${from}`}.\n`,
    );
    return await runLocally({
      io,
      store,
      plan,
      state,
      saved: {
        version: 1,
        runId,
        file: saved.file,
        workflowText: saved.workflowText,
        inputs,
        options,
        retryOf: { runId: saved.runId, ...(from === undefined ? {} : { from }) },
      },
      round: { command: 'retry' },
      approve: readApproveOption(values, plan),
      autoApprove: values['auto-approve'] === true,
      output,
      interactive: process.stdin.isTTY === true && io.stderr.isTTY && !io.env.CI,
    });
  } finally {
    lock.release();
  }
}
