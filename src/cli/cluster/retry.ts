// `conveyor retry RUN --cluster`: a new WorkflowRun with RUN's workflow (the same workflowRef, or
// the same inline workflow) and the same parameters and run options, then follows it like `run`.
// Unlike resume (spec.resumeFrom), nothing of RUN carries over: every step runs again. --set and
// --parameter-file override RUN's parameters, as they do for a local retry.
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { outputFormat, parseOptions } from '../parse-options.ts';
import { readRunInputs, RUN_INPUT_OPTIONS } from '../run-inputs.ts';
import { ClusterApi, clusterFailure } from './api.ts';
import { CLUSTER_USAGE, connect } from './connection.ts';
import { retryParameters } from './retry-parameters.ts';
import { createRunFrom, followOrDetach, RUN_FROM_OPTIONS, runNameFrom } from './run-from.ts';

export const clusterRetryUsage = `Usage: conveyor retry RUN --cluster [--set KEY=VALUE,...] [--parameter-file FILE]
                      [--run-id NAME] [--detach] [--output text|json] [options]

Starts a new WorkflowRun of RUN's workflow (its workflowRef, or its inline workflow) with RUN's
parameters, environment and run options, and follows it. Every step runs again.

Options:
  --set KEY=VALUE,...    override RUN's parameters (as run --set; checked as run checks them,
                         against the Workflow as it is now)
  --parameter-file FILE  override RUN's parameters from a YAML or JSON mapping (--set wins)

${CLUSTER_USAGE}`;

export async function clusterRetryCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseOptions('retry', argv, {
    ...RUN_FROM_OPTIONS,
    set: RUN_INPUT_OPTIONS.set,
    'parameter-file': RUN_INPUT_OPTIONS['parameter-file'],
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
  // Read before connecting: an unreadable file or a malformed --set needs no cluster to be told.
  const overrides = readRunInputs(values, io.cwd);
  const overridden = values.set !== undefined || values['parameter-file'] !== undefined;
  const target = connect(values, io);
  const api = new ClusterApi(target);
  try {
    const previous = await api.requireRun(previousName);
    const runName = runNameFrom(previous, values['run-id'] as string | undefined, io.now());
    let parameters: Record<string, unknown> | undefined;
    if (overridden) {
      const checked = await retryParameters(api, previous, overrides, runName);
      if (!checked.ok) {
        for (const line of checked.errors) io.stderr.write(`${line}\n`);
        return EXIT.invalid;
      }
      parameters = checked.parameters;
    }
    await createRunFrom(api, previous, { runName, ...(parameters ? { parameters } : {}) });
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
