// `conveyor retry RUN --cluster`: a new WorkflowRun with RUN's workflow (the same workflowRef, or
// the same inline workflow) and the same parameters and run options, then follows it like `run`.
// Unlike resume (spec.resumeFrom), nothing of RUN carries over: every step runs again.
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { outputFormat, parseOptions } from '../parse-options.ts';
import { ClusterApi, clusterFailure } from './api.ts';
import { CLUSTER_USAGE, connect } from './connection.ts';
import { createRunFrom, followOrDetach, RUN_FROM_OPTIONS } from './run-from.ts';

export const clusterRetryUsage = `Usage: conveyor retry RUN --cluster [--run-id NAME] [--detach] [--output text|json] [options]

Starts a new WorkflowRun of RUN's workflow (its workflowRef, or its inline workflow) with RUN's
parameters, environment and run options, and follows it. Every step runs again.

${CLUSTER_USAGE}`;

export async function clusterRetryCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseOptions('retry', argv, {
    ...RUN_FROM_OPTIONS,
    from: { type: 'string' },
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
    const runName = await createRunFrom(api, previous, {
      runId: values['run-id'] as string | undefined,
      now: io.now(),
    });
    return await followOrDetach({
      api,
      io,
      target,
      values,
      run: runName,
      output,
      announcement: `Retrying ${previousName} as ${runName} (${target.where}).`,
    });
  } catch (error) {
    return clusterFailure('retry', error, io);
  }
}
