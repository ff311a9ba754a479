// `conveyor resume RUN --cluster`: a WorkflowRun cannot restart (its spec is immutable), so resuming
// creates a new run with spec.resumeFrom: RUN and the same workflow and inputs; the controller
// carries over what succeeded and its outputs. Then follows the new run like `run` does.
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { outputFormat, parseOptions } from '../parse-options.ts';
import { ClusterApi, clusterFailure } from './api.ts';
import { CLUSTER_USAGE, connect } from './connection.ts';
import { createRunFrom, followOrDetach, RUN_FROM_OPTIONS, runNameFrom } from './run-from.ts';

export const clusterResumeUsage = `Usage: conveyor resume RUN --cluster [--run-id NAME] [--detach] [--output text|json] [options]

Starts a new WorkflowRun that continues RUN from its unfinished steps (resumeFrom), and follows it.

${CLUSTER_USAGE}`;

export async function clusterResumeCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseOptions('resume', argv, RUN_FROM_OPTIONS);
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
    const runName = runNameFrom(previous, values['run-id'] as string | undefined, io.now());
    await createRunFrom(api, previous, { runName, resumeFrom: previousName });
    return await followOrDetach({
      api,
      io,
      target,
      values,
      run: runName,
      output,
      announcement: `Resuming ${previousName} as ${runName} (${target.where}).`,
    });
  } catch (error) {
    return clusterFailure('resume', error, io);
  }
}
