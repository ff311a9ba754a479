// What shell completion offers for a command line against a cluster (--cluster, --context,
// --kubeconfig, -n, or run as kubectl-conveyor): the namespace's WorkflowRuns, a run's steps, the
// parameters of its workflow, the workflows of the runs; never the local runs of the state dir. The
// cluster is reached as the command itself would reach it (kubeconfig-target.ts), with the light
// KubeConfig and raw requests (the API classes of client-node take longer to load than a Tab may
// wait). Every question has a short deadline; an error or a silent server means no candidates, and
// nothing is ever printed: the shell then offers file names as it does without conveyor.
import type { WorkflowObject, WorkflowRunObject } from '../../controller/resources.ts';
import { KubeConfig } from '../../kube/kube-config.ts';
import { kubeRequest } from '../../kube/kube-request.ts';
import { resourcePath } from '../../kube/resource-path.ts';
import { API_VERSION, PLURALS } from '../../spec/crd/identity.ts';
import type { CliIO } from '../io.ts';
import { loadKubeConfig } from './kubeconfig-target.ts';
import { newestFirst, workflowOf } from './run-listing.ts';

/** How long a Tab waits for the API server before offering nothing. */
export const COMPLETION_DEADLINE_MS = 2_000;

/** The candidates the cluster gives; the local state directory gives the same for local runs. */
export interface CompletionRuns {
  /** Run names, newest first. */
  runIds(): Promise<string[]>;
  steps(run: string): Promise<string[]>;
  /** The parameters of the workflow `run` ran (for retry RUN --set). */
  parameters(run: string): Promise<string[]>;
  workflows(): Promise<string[]>;
}

/** `options`: the cluster options on the line (--kubeconfig, --context, -n/--namespace). */
export function clusterCompletionRuns(
  options: { kubeconfig?: string; context?: string; namespace?: string },
  io: CliIO,
  deadlineMs = COMPLETION_DEADLINE_MS,
): CompletionRuns {
  const ask = async <T>(path: (namespace: string) => string): Promise<T | undefined> => {
    try {
      const kc = new KubeConfig();
      const { namespace } = loadKubeConfig(kc, options, io);
      const signal = AbortSignal.timeout(deadlineMs);
      // The signal ends the request; the race also ends a wait before it (an exec credential plugin).
      return await Promise.race([
        kubeRequest<T>(kc, { method: 'GET', path: path(namespace), signal }),
        new Promise<undefined>((resolve) => signal.addEventListener('abort', () => resolve(undefined))),
      ]);
    } catch {
      return undefined;
    }
  };
  const runs = async (): Promise<WorkflowRunObject[]> =>
    (await ask<{ items?: WorkflowRunObject[] }>((ns) => resourcePath(API_VERSION, ns, PLURALS.run)))?.items ??
    [];
  const run = (name: string) =>
    ask<WorkflowRunObject>((ns) => resourcePath(API_VERSION, ns, PLURALS.run, name));
  return {
    async runIds() {
      return newestFirst(await runs()).map((r) => r.metadata.name);
    },
    async steps(name) {
      const steps = (await run(name))?.status?.steps;
      return steps && typeof steps === 'object' ? Object.keys(steps) : [];
    },
    async parameters(name) {
      const spec = (await run(name))?.spec;
      const ref = spec?.workflowRef?.name;
      const workflow = ref
        ? (await ask<WorkflowObject>((ns) => resourcePath(API_VERSION, ns, PLURALS.workflow, ref)))?.spec
        : spec?.workflow;
      const declared = workflow?.parameters;
      return Array.isArray(declared)
        ? declared
            .map((p) => (p as { name?: unknown }).name)
            .filter((n): n is string => typeof n === 'string')
        : [];
    },
    async workflows() {
      return [...new Set((await runs()).map(workflowOf))].sort();
    },
  };
}
