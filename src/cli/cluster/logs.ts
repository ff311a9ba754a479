// `conveyor logs RUN [STEP] --cluster`: the output of a run's step attempts, read from the pods of
// the Jobs the controller created for it (labels conveyor.dev/run and conveyor.dev/step), oldest
// attempt first. Pods that are already gone (Job TTL, garbage collection) are said to be gone.
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { ANNOTATIONS, LABELS, labelValue } from '../../spec/crd/identity.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { parseOptions } from '../parse-options.ts';
import { ClusterApi, clusterFailure } from './api.ts';
import { CLUSTER_OPTIONS, CLUSTER_USAGE, connect } from './connection.ts';
import { followLogs } from './logs-follow.ts';

export const clusterLogsUsage = `Usage: conveyor logs RUN [STEP] --cluster [-f] [options]

Prints the output of a WorkflowRun's step attempts (all steps, or STEP), oldest first.

Options:
  -f, --follow            print the output as the steps write it, each line prefixed with its step,
                          until the run ends

${CLUSTER_USAGE}`;

/** The step container's name in every Job the controller creates. */
const STEP_CONTAINER = 'step';

export async function clusterLogsCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseOptions('logs', argv, {
    ...CLUSTER_OPTIONS,
    follow: { type: 'boolean', short: 'f' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${clusterLogsUsage}\n`);
    return EXIT.succeeded;
  }
  const [runName, step] = positionals;
  if (!runName || positionals.length > 2)
    throw new UsageError(`conveyor logs: expected RUN [STEP]\n\n${clusterLogsUsage}`);
  const api = new ClusterApi(connect(values, io));
  try {
    const run = await api.getRun(runName);
    if (!run) throw new UsageError(`no WorkflowRun ${runName} in namespace ${api.namespace}`);
    const selector = [
      `${LABELS.run}=${labelValue(runName)}`,
      ...(step ? [`${LABELS.step}=${labelValue(step)}`] : []),
    ];
    const known = Object.keys(((run.status ?? {}) as { steps?: Record<string, unknown> }).steps ?? {});
    if (values.follow) {
      if (step && known.length > 0 && !known.includes(step))
        throw new UsageError(`run ${runName} has no step '${step}' (steps: ${known.join(', ')})`);
      // As for a local run: once the reader has gone (`logs -f | head`), nothing is left to do.
      const readerGone = new AbortController();
      io.stdout.onClosed?.(() => readerGone.abort());
      await followLogs({
        api,
        io,
        run: runName,
        selector: selector.join(','),
        order: byAttemptOrder,
        signal: readerGone.signal,
      });
      return EXIT.succeeded;
    }
    const jobs = (await api.listJobs(selector.join(','))).sort(byAttemptOrder);
    if (jobs.length === 0) {
      if (step && !known.includes(step))
        throw new UsageError(
          `run ${runName} has no step '${step}'${known.length ? ` (steps: ${known.join(', ')})` : ''}`,
        );
      io.stderr.write(`${runName}${step ? ` step ${step}` : ''}: no Jobs (yet, or no longer)\n`);
      return EXIT.succeeded;
    }
    for (const job of jobs) {
      const meta = job.metadata ?? {};
      const name = meta.name ?? '?';
      const stepName = meta.annotations?.[ANNOTATIONS.step] ?? meta.labels?.[LABELS.step] ?? '?';
      const attempt = meta.labels?.[LABELS.attempt] ?? '?';
      const purpose = meta.annotations?.[ANNOTATIONS.purpose];
      const pods = (await api.listPods(`batch.kubernetes.io/job-name=${name}`)).sort(byCreation);
      io.stdout.write(
        `==> ${stepName} attempt ${attempt}${purpose && purpose !== 'main' ? ` (${purpose})` : ''} (job ${name}, ${jobOutcome(job, pods)}) <==\n`,
      );
      if (pods.length === 0) io.stdout.write('(its pod is gone; the log is no longer available)\n');
      for (const pod of pods) {
        const podName = pod.metadata?.name ?? '';
        try {
          const text = await api.readPodLog(podName, STEP_CONTAINER);
          io.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
        } catch (error) {
          // A pod that never started has no log: say why instead of failing the whole listing.
          io.stdout.write(`(no log from pod ${podName}: ${(error as Error).message})\n`);
        }
      }
    }
    return EXIT.succeeded;
  } catch (error) {
    return clusterFailure('logs', error, io);
  }
}

/** A Job the controller manages has no `active` count while it runs: its pod says so. */
function jobOutcome(job: V1Job, pods: readonly V1Pod[]): string {
  const conditions = job.status?.conditions ?? [];
  if (conditions.some((c) => c.type === 'Complete' && c.status === 'True')) return 'succeeded';
  if (conditions.some((c) => c.type === 'Failed' && c.status === 'True')) return 'failed';
  return job.status?.active || pods.some((p) => p.status?.phase === 'Running') ? 'running' : 'pending';
}

const created = (o: V1Job | V1Pod): number => o.metadata?.creationTimestamp?.getTime?.() ?? 0;

function byCreation(a: V1Pod, b: V1Pod): number {
  return created(a) - created(b);
}

/** Creation time orders attempts across steps; within one second the attempt number decides. */
export function byAttemptOrder(a: V1Job, b: V1Job): number {
  const attempt = (j: V1Job) => Number(j.metadata?.labels?.[LABELS.attempt] ?? 0);
  return (
    created(a) - created(b) ||
    attempt(a) - attempt(b) ||
    (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '')
  );
}
