// `conveyor get RUN --cluster`: one WorkflowRun's steps as `conveyor get` shows a local run's, from
// the engine state the controller keeps in its status and the workflow pinned when it started (the
// Workflow may have changed since).
import { decodeEngineState } from '../../controller/engine-state-codec.ts';
import { getOutput, getUsage, printRun } from '../commands/get.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { parseOptions } from '../parse-options.ts';
import { runResult } from '../run-result.ts';
import { ClusterApi, clusterFailure } from './api.ts';
import { CLUSTER_OPTIONS, connect } from './connection.ts';
import { workflowOf } from './run-listing.ts';
import { loadRunPlan } from './run-plan.ts';

export async function clusterGetCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseOptions('get', argv, {
    ...CLUSTER_OPTIONS,
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${getUsage}\n`);
    return EXIT.succeeded;
  }
  const output = getOutput(values.output);
  if (positionals.length !== 1) throw new UsageError(`conveyor get: expected RUN\n\n${getUsage}`);
  const name = positionals[0] as string;
  const api = new ClusterApi(connect(values, io));
  try {
    const run = await api.requireRun(name);
    const status = (run.status ?? {}) as {
      phase?: string;
      reason?: string;
      message?: string;
      pinnedWorkflow?: string;
      engine?: unknown;
    };
    const decoded = status.engine === undefined ? undefined : decodeEngineState(status.engine);
    const plan =
      decoded?.ok && status.pinnedWorkflow ? await loadRunPlan(api, status.pinnedWorkflow) : undefined;
    if (decoded?.ok && plan) {
      printRun(runResult(plan, decoded.state), output, io);
      return EXIT.succeeded;
    }
    // Not started (yet), e.g. its Workflow does not exist: what its status says, and no steps.
    printRun(
      {
        run_id: name,
        workflow: workflowOf(run),
        phase: status.phase ?? 'Pending',
        degraded: false,
        reason: status.reason ?? null,
        started_at: null,
        finished_at: null,
        steps: {},
        outputs: {},
      },
      output,
      io,
    );
    if (output === 'text' && status.message) io.stdout.write(`\nMessage:   ${status.message}\n`);
    return EXIT.succeeded;
  } catch (error) {
    return clusterFailure('get', error, io);
  }
}
