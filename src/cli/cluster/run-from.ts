// A new WorkflowRun made from an earlier one (`resume`, `retry`): a run's spec is immutable, so
// both create a run under a new name with the same workflow, parameters and run options, created
// as the caller; resume adds spec.resumeFrom so the controller carries over what succeeded.
import type { WorkflowRunObject } from '../../controller/resources.ts';
import { API_VERSION, KINDS } from '../../spec/crd/identity.ts';
import { CREATED_BY_ANNOTATION } from '../../spec/crd/resources.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import type { ClusterApi } from './api.ts';
import { CLUSTER_OPTIONS, type ClusterTarget } from './connection.ts';
import { followAsAsked, type FollowFlags } from './follow.ts';
import { workflowOf } from './run-listing.ts';
import { newRunName, RUN_NAME } from './names.ts';

/** The options `resume --cluster` and `retry --cluster` share: naming, following and output. */
export const RUN_FROM_OPTIONS = {
  ...CLUSTER_OPTIONS,
  'run-id': { type: 'string' },
  detach: { type: 'boolean' },
  'cancel-on-interrupt': { type: 'boolean' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The new run's name: `runId` when given, otherwise one made from the workflow's name. */
export function runNameFrom(previous: WorkflowRunObject, runId: string | undefined, now: number): string {
  const runName = runId ?? newRunName(workflowOf(previous).replace(/[()]/g, ''), now);
  if (!RUN_NAME.test(runName))
    throw new UsageError(`--run-id ${JSON.stringify(runName)}: not a valid WorkflowRun name`);
  return runName;
}

/** Creates the new run; `parameters`, when given, replace the previous run's (retry --set). */
export async function createRunFrom(
  api: ClusterApi,
  previous: WorkflowRunObject,
  options: { runName: string; resumeFrom?: string; parameters?: Record<string, unknown> },
): Promise<void> {
  const user = await api.whoami();
  const { workflowRef, workflow, environment, parallel, continueOnError, timeout } = previous.spec ?? {};
  const parameters = options.parameters ?? previous.spec?.parameters;
  await api.createRun({
    apiVersion: API_VERSION,
    kind: KINDS.run,
    metadata: {
      name: options.runName,
      namespace: api.namespace,
      annotations: { [CREATED_BY_ANNOTATION]: user },
    },
    spec: Object.fromEntries(
      Object.entries({
        workflowRef,
        workflow,
        parameters,
        environment,
        parallel,
        continueOnError,
        timeout,
        resumeFrom: options.resumeFrom,
      }).filter(([, v]) => v !== undefined),
    ),
  });
}

/** With --detach prints the new run's name; otherwise announces it and follows it like `watch`. */
export async function followOrDetach(req: {
  api: ClusterApi;
  io: CliIO;
  target: ClusterTarget;
  values: FollowFlags & { detach?: unknown };
  run: string;
  output: 'text' | 'json';
  announcement: string;
}): Promise<number> {
  const { io, values, run, output } = req;
  if (values.detach) {
    io.stdout.write(`${run}\n`);
    return EXIT.succeeded;
  }
  (output === 'json' ? io.stderr : io.stdout).write(`${req.announcement}\n`);
  return await followAsAsked(req);
}
