// One measured round of a workflow controller on a cluster, the same for Conveyor and for Argo
// Workflows (a `Contender` says how to start each and how its objects look): a fresh namespace, the
// controller started in it, R runs of the bench's S-step DAG created at once and followed to their
// end, then runs that wait (for approval, or suspended) until N are present; the controller stopped
// and the namespace deleted to the end before the next round. Measured:
//   - wall time from creating the runs to the last one finished, and steps per second;
//   - the controller's own API requests (the contender counts them) and every client's
//     (apiserver_request_total), per step;
//   - the controller's CPU seconds (/proc/PID/stat) over the runs, per step;
//   - its memory (VmRSS, VmHWM) idle, after the runs, and with N runs present;
//   - pod finished -> dependent's pod created, from a watch on pods (first seen finished, first seen).
import { setTimeout as delay } from 'node:timers/promises';
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { apply, kubectl } from '../cluster/kubectl.ts';
import { pollUntil } from '../cluster/lib/wait.ts';
import { randomBytes } from 'node:crypto';
import type { Dag } from './dag.ts';
import { ObjectTracker } from './object-tracker.ts';
import { cpuSecondsOf, memoryOf } from './process-usage.ts';
import { apiserverRequests } from './prometheus-text.ts';

export interface BenchSize {
  readonly runs: number;
  readonly stepsPerRun: number;
  /** Runs present for the memory figure: the finished ones plus waiting ones. */
  readonly present: number;
}

/** Where a contender's objects go: the namespace of the round, the cluster, the bench's DAG. */
export interface RoundTarget {
  readonly kubeconfig: string;
  readonly namespace: string;
  readonly dag: Dag;
  /** Node selector and tolerations that put pods on kwok's nodes, or nothing for real pods. */
  readonly placement: Placement;
}

export interface Placement {
  readonly nodeSelector?: Record<string, string>;
  readonly tolerations?: { key: string; operator: string; value: string; effect: string }[];
}

export interface RunningController {
  readonly pid: number;
  /** The controller's API requests so far, by kind ("CREATE jobs", "GET/pods/200"...). */
  requests(): Promise<Record<string, number>>;
  /** Its recent log, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export interface Contender {
  readonly name: string;
  /** Installs what every round needs on the cluster (CRDs), once. */
  install(kubeconfig: string): Promise<void>;
  /** Creates the round's templates/config in the namespace and starts the controller, ready. */
  start(target: RoundTarget): Promise<RunningController>;
  /** API path of the run collection in a namespace. */
  runsPath(namespace: string): string;
  /** A run of the DAG (`dag`) or one that waits without pods (`waiting`). */
  runObject(name: string, kind: 'dag' | 'waiting', namespace: string): object;
  /** Whether a run ended (or reached its waiting point). */
  isSettled(run: KubernetesObject): boolean;
  isSucceeded(run: KubernetesObject): boolean;
  /** The run and step a pod belongs to. */
  podStep(pod: V1Pod): { run: string; step: string } | undefined;
  /** Called for each pod when first seen (Argo: the task result its executor would write). */
  onPodSeen?(pod: V1Pod, target: RoundTarget): void;
  /** Extra watches for contender-specific figures, started before the runs and read after. */
  extraFigures?(target: RoundTarget): Promise<{ stop(runs: readonly string[]): Record<string, number> }>;
}

export interface ControllerFigures {
  readonly runs: number;
  readonly stepsPerRun: number;
  readonly steps: number;
  readonly wallSeconds: number;
  readonly stepsPerSecond: number;
  readonly controllerRequestsPerStep: number;
  /** The controller's requests by kind, per step. */
  readonly requestsByKind: Record<string, number>;
  readonly allRequestsPerStep: number;
  /** Every client's requests per step by "VERB resource/subresource" (apiserver_request_total). */
  readonly allRequestsByKind: Record<string, number>;
  readonly cpuMsPerStep: number;
  readonly rssIdleMiB: number;
  readonly rssAfterMiB: number;
  readonly hwmAfterMiB: number;
  readonly rssWith1000MiB: number;
  readonly hwmWith1000MiB: number;
  readonly presentRuns: number;
  readonly podToPodSamples: number;
  readonly podToPodMedianMs: number;
  readonly podToPodP99Ms: number;
  /** Contender-specific (Conveyor: jobToJobMedianMs, jobToJobP99Ms). */
  readonly extra: Record<string, number>;
}

export const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0
    ? NaN
    : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number);

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** How much each counter grew, per step, leaving out those that did not. */
function perStepGrowth(
  before: Record<string, number>,
  after: Record<string, number>,
  steps: number,
): Record<string, number> {
  const growth: Record<string, number> = {};
  for (const [kind, n] of Object.entries(after)) {
    const d = n - (before[kind] ?? 0);
    if (d > 0) growth[kind] = round(d / steps, 2);
  }
  return growth;
}

const podFinished = (pod: V1Pod): boolean =>
  pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/**
 * For every step with dependencies: the time from its last dependency's `finished` to its own `added`,
 * where `key(run, step)` names the tracked object of a step.
 */
export function dependencyDelays(
  runs: readonly string[],
  dag: Dag,
  tracker: { added: Map<string, number>; finished: Map<string, number> },
  key: (run: string, step: string) => string | undefined,
): number[] {
  const delays: number[] = [];
  for (const run of runs) {
    dag.names.forEach((step, i) => {
      const deps = dag.deps[i] ?? [];
      const own = key(run, step);
      if (deps.length === 0 || !own) return;
      const ready = Math.max(...deps.map((d) => tracker.finished.get(key(run, d) ?? '') ?? NaN));
      const created = tracker.added.get(own);
      if (created !== undefined && Number.isFinite(ready)) delays.push(created - ready);
    });
  }
  return delays.sort((a, b) => a - b);
}

/** Deletes a namespace and waits until it is gone, so that the next round starts on a quiet cluster. */
export async function deleteNamespace(name: string, kubeconfig: string): Promise<void> {
  await kubectl(['delete', 'namespace', name, '--ignore-not-found', '--wait=false'], { kubeconfig });
  await pollUntil(
    async () =>
      (
        await kubectl(['get', 'namespace', name, '--ignore-not-found', '-o', 'name'], { kubeconfig })
      ).stdout.trim() === '',
    { what: `namespace ${name} to be deleted`, timeoutMs: 900_000, intervalMs: 2000 },
  );
}

export async function createBenchNamespace(prefix: string, kubeconfig: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await kubectl(['create', 'namespace', name], { kubeconfig });
  await pollUntil(
    async () =>
      (
        await kubectl(['get', 'serviceaccount', 'default', '--ignore-not-found', '-o', 'name'], {
          kubeconfig,
          namespace: name,
        })
      ).stdout.trim() !== '',
    { what: `service account default in namespace ${name}`, timeoutMs: 60_000 },
  );
  return name;
}

function sumRequests(counts: Record<string, number>): number {
  // "VERB resource CODE" entries are failures already counted under "VERB resource".
  return Object.entries(counts)
    .filter(([kind]) => !/ \d{3}$/.test(kind))
    .reduce((sum, [, n]) => sum + n, 0);
}

/** Runs one round of `contender` in a fresh namespace, which it deletes (and waits for) at the end. */
export async function measureRound(
  contender: Contender,
  kubeconfig: string,
  size: BenchSize,
  dag: Dag,
  placement: Placement,
): Promise<ControllerFigures> {
  const namespace = await createBenchNamespace(`bench-${contender.name}`, kubeconfig);
  const target: RoundTarget = { kubeconfig, namespace, dag, placement };
  const trackers: { stop(): void }[] = [];
  let controller: RunningController | undefined;
  try {
    controller = await contender.start(target);
    const running = controller;
    await delay(2000);
    const idle = memoryOf(running.pid);

    const runTracker = new ObjectTracker<KubernetesObject>(kubeconfig, contender.runsPath(namespace), (r) =>
      contender.isSettled(r),
    );
    const podTracker = new ObjectTracker<V1Pod>(
      kubeconfig,
      `/api/v1/namespaces/${namespace}/pods`,
      podFinished,
      contender.onPodSeen ? (pod) => contender.onPodSeen?.(pod, target) : undefined,
    );
    trackers.push(runTracker, podTracker);
    await Promise.all([runTracker.start(), podTracker.start()]);
    const extra = await contender.extraFigures?.(target);
    await delay(1000);

    const names = Array.from({ length: size.runs }, (_, i) => `dag-${i}`);
    const requestsBefore = await running.requests();
    const apiBefore = await apiserverRequests(kubeconfig);
    const cpuBefore = cpuSecondsOf(running.pid);
    const start = performance.now();
    for (let i = 0; i < names.length; i += 100) {
      await apply(
        names.slice(i, i + 100).map((n) => contender.runObject(n, 'dag', namespace)),
        { kubeconfig, namespace },
      );
    }
    const unfinished = (): string[] => names.filter((n) => !runTracker.finished.has(n));
    await pollUntil(() => unfinished().length === 0, {
      what: `${size.runs} ${contender.name} runs to finish`,
      timeoutMs: Number(process.env.CONVEYOR_BENCH_TIMEOUT_S ?? 1800) * 1000,
      intervalMs: 200,
      describe: () =>
        `${unfinished().length} unfinished, e.g. ${unfinished()[0]}; controller log:\n${running.log().slice(-4000)}`,
    });
    const end = Math.max(...names.map((n) => runTracker.finished.get(n) as number));
    const cpuAfter = cpuSecondsOf(running.pid);
    await delay(1000);
    const requestsAfter = await running.requests();
    const apiAfter = await apiserverRequests(kubeconfig);
    const failed = names.filter((n) => !contender.isSucceeded(runTracker.objects.get(n) as KubernetesObject));
    if (failed.length > 0)
      throw new Error(
        `${failed.length} ${contender.name} runs did not succeed, e.g. ${JSON.stringify(runTracker.objects.get(failed[0] as string))}`,
      );
    const after = memoryOf(running.pid);

    const podByStep = new Map<string, string>();
    for (const [name, pod] of podTracker.objects) {
      const at = contender.podStep(pod);
      if (at) podByStep.set(`${at.run}/${at.step}`, name);
    }
    const podDelays = dependencyDelays(names, dag, podTracker, (run, step) =>
      podByStep.get(`${run}/${step}`),
    );
    const extraFigures = extra?.stop(names) ?? {};
    podTracker.stop();

    // Runs that wait (approval gate, suspend): no pods, only what the controller keeps per run.
    const waiting = Array.from({ length: Math.max(0, size.present - size.runs) }, (_, i) => `gate-${i}`);
    for (let i = 0; i < waiting.length; i += 100) {
      await apply(
        waiting.slice(i, i + 100).map((n) => contender.runObject(n, 'waiting', namespace)),
        { kubeconfig, namespace },
      );
    }
    await pollUntil(() => waiting.every((n) => runTracker.finished.has(n)), {
      what: `${waiting.length} ${contender.name} runs to wait`,
      timeoutMs: 900_000,
      intervalMs: 500,
      describe: () => running.log().slice(-4000),
    });
    runTracker.stop();
    await delay(3000);
    const present = memoryOf(running.pid);

    const steps = size.runs * size.stepsPerRun;
    const seconds = (end - start) / 1000;
    const requestsByKind = perStepGrowth(requestsBefore, requestsAfter, steps);
    const allRequestsByKind = perStepGrowth(apiBefore.by, apiAfter.by, steps);
    return {
      runs: size.runs,
      stepsPerRun: size.stepsPerRun,
      steps,
      wallSeconds: round(seconds),
      stepsPerSecond: round(steps / seconds),
      controllerRequestsPerStep: round((sumRequests(requestsAfter) - sumRequests(requestsBefore)) / steps, 2),
      requestsByKind,
      allRequestsPerStep: round((apiAfter.total - apiBefore.total) / steps, 2),
      allRequestsByKind,
      cpuMsPerStep: round(((cpuAfter - cpuBefore) * 1000) / steps),
      rssIdleMiB: idle.rssMiB,
      rssAfterMiB: after.rssMiB,
      hwmAfterMiB: after.hwmMiB,
      rssWith1000MiB: present.rssMiB,
      hwmWith1000MiB: present.hwmMiB,
      presentRuns: size.runs + waiting.length,
      podToPodSamples: podDelays.length,
      podToPodMedianMs: Math.round(percentile(podDelays, 50)),
      podToPodP99Ms: Math.round(percentile(podDelays, 99)),
      extra: extraFigures,
    };
  } finally {
    for (const t of trackers) t.stop();
    await controller?.stop();
    await deleteNamespace(namespace, kubeconfig);
  }
}
