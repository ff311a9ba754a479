// `conveyor resume RUN --cluster`: a WorkflowRun cannot restart (its spec is immutable), so resuming
// creates a new run with spec.resumeFrom: RUN and the same workflow and inputs; the controller
// carries over what succeeded and its outputs. Then follows the new run like `run` does.
import { API_VERSION, KINDS } from '../../spec/crd/identity.ts';
import { CREATED_BY_ANNOTATION } from '../../spec/crd/resources.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { outputFormat, parseOptions } from '../parse-options.ts';
import { ClusterApi, clusterFailure } from './api.ts';
import { CLUSTER_OPTIONS, CLUSTER_USAGE, connect } from './connection.ts';
import { followRun } from './follow.ts';
import { workflowOf } from './history.ts';
import { cliHint, newRunName, RUN_NAME } from './names.ts';

export const clusterResumeUsage = `Usage: conveyor resume RUN --cluster [--run-id NAME] [--detach] [--output text|json] [options]

Starts a new WorkflowRun that continues RUN from its unfinished steps (resumeFrom), and follows it.

${CLUSTER_USAGE}`;

export async function clusterResumeCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseOptions('resume', argv, {
    ...CLUSTER_OPTIONS,
    'run-id': { type: 'string' },
    detach: { type: 'boolean' },
    'cancel-on-interrupt': { type: 'boolean' },
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${clusterResumeUsage}\n`);
    return EXIT.succeeded;
  }
  const output = outputFormat(values.output);
  if (positionals.length !== 1)
    throw new UsageError(`conveyor resume: expected RUN\n\n${clusterResumeUsage}`);
  const previousName = positionals[0] as string;
  const target = connect(values, io);
  const api = new ClusterApi(target);
  try {
    const previous = await api.getRun(previousName);
    if (!previous) throw new UsageError(`no WorkflowRun ${previousName} in namespace ${api.namespace}`);
    const phase = (previous.status as { phase?: string } | undefined)?.phase;
    if (phase === 'Succeeded') {
      io.stdout.write(`${previousName} already succeeded; nothing to resume.\n`);
      return EXIT.succeeded;
    }
    if (phase !== 'Failed' && phase !== 'Cancelled')
      throw new UsageError(
        `${previousName} is ${phase ?? 'Pending'}, not finished: a run waiting for approval continues once approved; cancel a running one first`,
      );
    const runName =
      (values['run-id'] as string | undefined) ??
      newRunName(workflowOf(previous).replace(/[()]/g, ''), io.now());
    if (!RUN_NAME.test(runName))
      throw new UsageError(`--run-id ${JSON.stringify(runName)}: not a valid WorkflowRun name`);
    const user = await api.whoami();
    const { workflowRef, workflow, parameters, environment, parallel, continueOnError, timeout } =
      previous.spec ?? {};
    await api.createRun({
      apiVersion: API_VERSION,
      kind: KINDS.run,
      metadata: { name: runName, namespace: api.namespace, annotations: { [CREATED_BY_ANNOTATION]: user } },
      spec: Object.fromEntries(
        Object.entries({
          workflowRef,
          workflow,
          parameters,
          environment,
          parallel,
          continueOnError,
          timeout,
          resumeFrom: previousName,
        }).filter(([, v]) => v !== undefined),
      ),
    });
    if (values.detach) {
      io.stdout.write(`${runName}\n`);
      return EXIT.succeeded;
    }
    (output === 'json' ? io.stderr : io.stdout).write(
      `Resuming ${previousName} as ${runName} (${target.where}).\n`,
    );
    return await followRun({
      api,
      io,
      run: runName,
      output,
      cancelOnInterrupt: values['cancel-on-interrupt'] === true,
      hint: cliHint(values.namespace !== undefined ? ` -n ${target.namespace}` : ''),
    });
  } catch (error) {
    return clusterFailure('resume', error, io);
  }
}
