// `conveyor get RUN`: one local run's steps (phase, attempts, duration, exit code, reason) and its
// outputs, from the state directory; `-o json|yaml` prints the document `run -o json` prints.
// With --cluster (or as kubectl conveyor), a WorkflowRun's: cluster/get.ts.
import { stringify as toYaml } from 'yaml';
import { buildPlan } from '../../engine/index.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { parseOptions } from '../parse-options.ts';
import { runResult } from '../run-result.ts';
import type { RunResult } from '../run-result.ts';
import { openStateStore, STATE_DIR_OPTION } from '../state-dir.ts';
import { phasePainter, wantsColour } from '../colour.ts';
import { describeRun } from '../run-description.ts';
import { CLUSTER_USAGE, wantsCluster } from '../cluster/backend-choice.ts';
import { loadSavedRun, workflowOfRun } from '../saved-runs.ts';

export const getUsage = `Usage: conveyor get RUN [--output text|json|yaml] [--state-dir DIR]
       conveyor get RUN --cluster [-n NS] [--output text|json|yaml]

One run's steps: phase, attempts, duration, exit code and reason, then the run's outputs.
RUN is a run id from 'conveyor history' ('latest' for the newest run); with --cluster, a
WorkflowRun's name.

${CLUSTER_USAGE}

Examples:
  conveyor get latest
  conveyor get deploy-20260501093000-1a2b -o json | jq '.steps | map_values(.phase)'
  kubectl conveyor get nightly-backup-20260501-0300 -n ops`;

/** -o of get: the three formats every form of get prints. */
export function getOutput(value: unknown): 'text' | 'json' | 'yaml' {
  const output = value ?? 'text';
  if (output !== 'text' && output !== 'json' && output !== 'yaml')
    throw new UsageError(`--output must be text, json or yaml, got ${JSON.stringify(output)}`);
  return output;
}

/** Prints a run's result as get does. */
export function printRun(result: RunResult, output: 'text' | 'json' | 'yaml', io: CliIO): void {
  if (output === 'json') io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else if (output === 'yaml') io.stdout.write(toYaml(result));
  else io.stdout.write(describeRun(result, phasePainter(wantsColour(io, io.stdout))));
}

export async function getCommand(argv: readonly string[], io: CliIO): Promise<number> {
  if (wantsCluster(argv)) return (await import('../cluster/get.ts')).clusterGetCommand(argv, io);
  const { values, positionals } = parseOptions('get', argv, {
    ...STATE_DIR_OPTION,
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${getUsage}\n`);
    return EXIT.succeeded;
  }
  const output = getOutput(values.output);
  if (positionals.length !== 1) throw new UsageError(`conveyor get: expected RUN\n\n${getUsage}`);
  const store = openStateStore(io, values);
  const { saved } = loadSavedRun(store, positionals[0] as string);
  // The steps are named by the workflow the run started with, whatever the file says now.
  const workflow = workflowOfRun(saved, io);
  if (!workflow) return EXIT.invalid;
  printRun(runResult(buildPlan(workflow), saved.state), output, io);
  return EXIT.succeeded;
}
