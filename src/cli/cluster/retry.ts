// `conveyor retry RUN --cluster`: a new WorkflowRun with RUN's workflow (the same workflowRef, or
// the same inline workflow) and the same parameters and run options, then follows it like `run`.
// Unlike resume (spec.resumeFrom), nothing of RUN carries over: every step runs again.
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

export const clusterRetryUsage = `Usage: conveyor retry RUN --cluster [--run-id NAME] [--detach] [--output text|json] [options]

Starts a new WorkflowRun of RUN's workflow (its workflowRef, or its inline workflow) with RUN's
parameters, environment and run options, and follows it. Every step runs again.

${CLUSTER_USAGE}`;

export async function clusterRetryCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseOptions('retry', argv, {
    ...CLUSTER_OPTIONS,
    'run-id': { type: 'string' },
    from: { type: 'string' },
    detach: { type: 'boolean' },
    'cancel-on-interrupt': { type: 'boolean' },
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${clusterRetryUsage}\n`);
    return EXIT.succeeded;
  }
  const output = outputFormat(values.output);
  if (values.from !== undefined)
    throw new UsageError(
      'conveyor retry --from: starting at a step is for local runs; in a cluster, conveyor resume RUN continues from the unfinished steps',
    );
  if (positionals.length !== 1) throw new UsageError(`conveyor retry: expected RUN\n\n${clusterRetryUsage}`);
  const previousName = positionals[0] as string;
  const target = connect(values, io);
  const api = new ClusterApi(target);
  try {
    const previous = await api.getRun(previousName);
    if (!previous) throw new UsageError(`no WorkflowRun ${previousName} in namespace ${api.namespace}`);
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
        }).filter(([, v]) => v !== undefined),
      ),
    });
    if (values.detach) {
      io.stdout.write(`${runName}\n`);
      return EXIT.succeeded;
    }
    (output === 'json' ? io.stderr : io.stdout).write(
      `Retrying ${previousName} as ${runName} (${target.where}).\n`,
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
    return clusterFailure('retry', error, io);
  }
}
