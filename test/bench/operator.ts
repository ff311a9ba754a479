// Benchmark of the operator on a real control plane, the controller a separate process:
//  (a) R runs x S steps (a seeded DAG of short commands) through one controller (controller-round.ts):
//      steps per second end to end, API requests per step counted inside the controller process
//      (operator-request-counter.ts) and for all clients together (apiserver_request_total), CPU
//      per step; the reference is the raw rate of the same number of plain Jobs created with one
//      kubectl apply on the same nodes;
//  (b) the delay from a Job finishing to its dependents' Jobs being created (a client-side watch on
//      Jobs), and from a pod finishing to its dependents' pods being created (a watch on pods);
//  (c) the controller's RSS idle, after (a), and with 1,000 runs present (the finished runs of (a)
//      plus runs waiting for approval).
// On a cluster with kwok nodes (CONVEYOR_KWOK_NODES) step pods go to the simulated nodes; otherwise
// they run as processes on the node agent and the sizes shrink (CONVEYOR_BENCH_RUNS/_STEPS override).
import { loadavg } from 'node:os';
import type { V1Job } from '@kubernetes/client-node';
import { apply } from '../cluster/kubectl.ts';
import { pollUntil } from '../cluster/lib/wait.ts';
import { benchCluster } from './bench-cluster.ts';
import { conveyorContender, jobDone } from './conveyor-contender.ts';
import { createBenchNamespace, deleteNamespace, measureRound } from './controller-round.ts';
import type { ControllerFigures } from './controller-round.ts';
import { benchDag } from './dag.ts';
import { ObjectTracker } from './object-tracker.ts';

export interface OperatorBenchResult extends ControllerFigures {
  readonly kwok: boolean;
  readonly rawJobs: number;
  readonly rawJobsSeconds: number;
  readonly rawJobsPerSecond: number;
  readonly load: string;
}

const round = (n: number, d = 1): number => Math.round(n * 10 ** d) / 10 ** d;

/** The reference: `count` plain Jobs created by kubectl apply, until all are complete. */
async function rawJobsSeconds(kubeconfig: string, count: number, placement: object): Promise<number> {
  const namespace = await createBenchNamespace('bench-raw', kubeconfig);
  const tracker = new ObjectTracker<V1Job>(
    kubeconfig,
    `/apis/batch/v1/namespaces/${namespace}/jobs`,
    jobDone,
  );
  try {
    await tracker.start();
    const start = performance.now();
    const jobs = Array.from({ length: count }, (_, i) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: `raw-${i}` },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: 'Never',
            ...placement,
            containers: [{ name: 'main', image: 'busybox:1.37', command: ['true'] }],
          },
        },
      },
    }));
    for (let i = 0; i < jobs.length; i += 100) {
      await apply(jobs.slice(i, i + 100), { kubeconfig, namespace });
    }
    await pollUntil(() => tracker.finished.size >= count, {
      what: `${count} raw Jobs to complete`,
      timeoutMs: 600_000,
      intervalMs: 200,
    });
    return (Math.max(...tracker.finished.values()) - start) / 1000;
  } finally {
    tracker.stop();
    await deleteNamespace(namespace, kubeconfig);
  }
}

export async function benchOperator(): Promise<OperatorBenchResult> {
  const cluster = await benchCluster();
  try {
    const { kubeconfig, kwok, placement } = cluster;
    const runs = Number(process.env.CONVEYOR_BENCH_RUNS ?? (kwok ? 100 : 20));
    const stepsPerRun = Number(process.env.CONVEYOR_BENCH_STEPS ?? 20);
    const present = Number(process.env.CONVEYOR_BENCH_PRESENT_RUNS ?? 1000);
    const contender = conveyorContender(
      process.env.CONVEYOR_BENCH_CONCURRENCY ? ['--concurrency', process.env.CONVEYOR_BENCH_CONCURRENCY] : [],
    );
    await contender.install(kubeconfig);
    const rawJobs = Math.min(runs * stepsPerRun, 500);
    const rawSeconds = await rawJobsSeconds(kubeconfig, rawJobs, placement);
    const figures = await measureRound(
      contender,
      kubeconfig,
      { runs, stepsPerRun, present },
      benchDag(stepsPerRun),
      placement,
    );
    return {
      ...figures,
      kwok,
      rawJobs,
      rawJobsSeconds: round(rawSeconds),
      rawJobsPerSecond: round(rawJobs / rawSeconds),
      load: loadavg()
        .map((l) => l.toFixed(2))
        .join(' '),
    };
  } finally {
    await cluster.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchOperator());
}
