// `conveyor run FILE --cluster`: validates the file here (the same errors and exit code 2 as a local
// run), applies it as a Workflow, creates a WorkflowRun recording its creator for the approval
// policy, and follows the run's progress from a watch (or returns at once with --detach).
import { API_VERSION, KINDS } from '../../spec/crd/identity.ts';
import { buildPlan, createRunState } from '../../engine/index.ts';
import { CREATED_BY_ANNOTATION, workflowResource } from '../../spec/crd/resources.ts';
import { resolveRunContext } from '../../spec/run-context.ts';
import { readRunOptions } from '../commands/run.ts';
import { printDryRun } from '../dry-run.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { outputFormat, parseOptions } from '../parse-options.ts';
import { formatInputProblem, readRunInputs, RUN_INPUT_OPTIONS } from '../run-inputs.ts';
import { ClusterApi, clusterFailure } from './api.ts';
import { readValidWorkflow } from '../read-workflow.ts';
import { CLUSTER_OPTIONS, CLUSTER_USAGE, connect } from './connection.ts';
import { followRun } from './follow.ts';
import { cliHint, newRunName, RUN_NAME, workflowObjectName } from './names.ts';
import { workflowDocument } from './workflow-document.ts';

export const clusterRunUsage = `Usage: conveyor run FILE --cluster [options]

Applies the workflow as a Workflow, starts a WorkflowRun in the cluster and follows its progress.

Options:
  --set KEY=VALUE,...     parameters (Helm syntax: lists as {a,b}, \\, for a comma)
  --parameter-file FILE   parameters from a YAML or JSON mapping (- for standard input; of several
                          files the later wins; --set wins over them)
  -e, --env ENV           the target environment (.environment)
  --parallel N            run at most N steps at once
  --continue-on-error     keep going after a step fails (the run still fails)
  --timeout DURATION      overall timeout, e.g. 30m
  --run-id NAME           name the WorkflowRun (default: workflow name, time and a random suffix)
  --dry-run               print the plan (waves, rendered commands), and have the API server check the
                          Workflow and WorkflowRun (schema, admission policy, RBAC) without storing them
  --detach                create the run, print its name and return
  --cancel-on-interrupt   Ctrl-C cancels the run (default: Ctrl-C stops following, the run goes on)
  -o, --output text|json  json: one JSON document on stdout at the end, progress on stderr

${CLUSTER_USAGE}`;

const OPTIONS = {
  ...RUN_INPUT_OPTIONS,
  ...CLUSTER_OPTIONS,
  parallel: { type: 'string' },
  'continue-on-error': { type: 'boolean' },
  timeout: { type: 'string' },
  'run-id': { type: 'string' },
  detach: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  'cancel-on-interrupt': { type: 'boolean' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function clusterRunCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseOptions('run', argv, OPTIONS);
  if (values.help) {
    io.stdout.write(`${clusterRunUsage}\n`);
    return EXIT.succeeded;
  }
  const output = outputFormat(values.output);
  if (positionals.length !== 1) throw new UsageError(`conveyor run: expected one FILE\n\n${clusterRunUsage}`);
  const file = positionals[0] as string;
  const options = readRunOptions(values);
  const { origins, ...inputs } = readRunInputs(values, io.cwd);

  // Everything the API server or the controller would refuse later is caught here, with locations.
  const loaded = await readValidWorkflow(io, file);
  if (!loaded) return EXIT.invalid;
  const text = loaded.text;
  const workflow = loaded.workflow;
  const objectName = workflowObjectName(workflow.name);
  const runName = (values['run-id'] as string | undefined) ?? newRunName(workflow.name, io.now());
  if (runName.length > 253 || !RUN_NAME.test(runName))
    throw new UsageError(
      `--run-id ${JSON.stringify(runName)}: a WorkflowRun name uses lowercase letters, digits, '-' and '.'`,
    );
  const context = resolveRunContext(workflow, { ...inputs, runId: runName });
  if (!context.ok) {
    for (const p of context.problems) io.stderr.write(`${formatInputProblem(file, p, origins)}\n`);
    return EXIT.invalid;
  }
  const wrapped = workflowResource({ ...workflowDocument(text, file), name: objectName });
  if (!wrapped.ok) {
    io.stderr.write(`${file}: ${wrapped.message}\n`);
    return EXIT.invalid;
  }

  const target = connect(values, io);
  const api = new ClusterApi(target);
  const hint = cliHint(values.namespace !== undefined ? ` -n ${target.namespace}` : '');
  try {
    const user = await api.whoami();
    const dryRun = values['dry-run'] === true;
    await api.applyWorkflow(
      { ...wrapped.resource, metadata: { name: objectName, namespace: target.namespace } },
      { dryRun },
    );
    const runObject = {
      apiVersion: API_VERSION,
      kind: KINDS.run,
      metadata: {
        name: runName,
        namespace: target.namespace,
        annotations: { [CREATED_BY_ANNOTATION]: user },
      },
      spec: {
        workflowRef: { name: objectName },
        ...(Object.keys(inputs.parameters).length > 0 ? { parameters: inputs.parameters } : {}),
        ...(inputs.environment !== undefined ? { environment: inputs.environment } : {}),
        ...(options.maxParallel !== undefined ? { parallel: options.maxParallel } : {}),
        ...(options.continueOnError ? { continueOnError: true } : {}),
        ...(values.timeout !== undefined ? { timeout: values.timeout } : {}),
      },
    };
    await api.createRun(runObject, { dryRun });
    if (dryRun) {
      (output === 'json' ? io.stderr : io.stdout).write(
        `Dry run: the API server accepts Workflow ${objectName} and WorkflowRun ${runName} (${target.where}, as ${user}); nothing was stored.\n`,
      );
      const plan = buildPlan(workflow);
      const state = createRunState(
        plan,
        { runId: runName, context: context.context, creator: user, breakers: {}, options },
        io.now(),
      );
      printDryRun(io, plan, state, output);
      return EXIT.succeeded;
    }
    const progressOut = output === 'json' ? io.stderr : io.stdout;
    if (values.detach) {
      if (output === 'json')
        io.stdout.write(`${JSON.stringify({ run_id: runName, namespace: target.namespace })}\n`);
      else io.stdout.write(`${runName}\n`);
      return EXIT.succeeded;
    }
    progressOut.write(`Started ${runName} (Workflow ${objectName}, ${target.where}) as ${user}.\n`);
    return await followRun({
      api,
      io,
      run: runName,
      plan: buildPlan(workflow),
      output,
      cancelOnInterrupt: values['cancel-on-interrupt'] === true,
      hint,
    });
  } catch (error) {
    return clusterFailure('run', error, io);
  }
}
