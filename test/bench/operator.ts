// Benchmark of the operator on a real control plane, the controller a separate process:
//  (a) R runs x S steps (a seeded DAG of short commands) through one controller: steps per second end
//      to end, and API requests per step, counted inside the controller process by wrapping
//      https.request (operator-request-counter.ts) and, for all clients together, from the API
//      server's apiserver_request_total; the reference is the raw rate of the same number of plain
//      Jobs created with one kubectl apply on the same nodes;
//  (b) the delay from a Job finishing to its dependents' Jobs being created, from a client-side
//      watch on Jobs (the time each ADDED and each MODIFIED-to-complete event arrived);
//  (c) the controller's RSS (VmRSS) idle, after (a), and with 1,000 runs present (the finished runs
//      of (a) plus runs waiting for approval).
// On a cluster with kwok nodes (CONVEYOR_KWOK_NODES) step pods go to the simulated nodes; otherwise
// they run as processes on the node agent and the sizes shrink (CONVEYOR_BENCH_RUNS/_STEPS override).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import type { KubernetesObject } from '@kubernetes/client-node';
import { CREATED_BY_ANNOTATION, workflowResource } from '../../src/spec/crd/resources.ts';
import { ADMIN_USER, REPO_ROOT, startCluster } from '../cluster/harness.ts';
import type { TestCluster } from '../cluster/harness.ts';
import { apply, createNamespace, kubectl } from '../cluster/kubectl.ts';
import { KWOK_NODE_LABEL, KWOK_TAINT } from '../cluster/lib/components.ts';
import { pollUntil } from '../cluster/lib/wait.ts';
import { randomDag } from './dag.ts';
import { writeRequestCounter } from './operator-request-counter.ts';
import { installCrds } from '../cluster/install-crds.ts';

export interface OperatorBenchResult {
  readonly kwok: boolean;
  readonly runs: number;
  readonly stepsPerRun: number;
  readonly steps: number;
  readonly seconds: number;
  readonly stepsPerSecond: number;
  readonly controllerRequests: number;
  readonly controllerRequestsPerStep: number;
  /** The controller's requests by kind ("CREATE jobs", "PATCH workflowruns/status"...), per step. */
  readonly requestsByKind: Record<string, number>;
  /** Every client's requests (controller, Job controller, scheduler, kubelet/kwok...) per step. */
  readonly apiserverRequestsPerStep: number;
  readonly rawJobs: number;
  readonly rawJobsSeconds: number;
  readonly rawJobsPerSecond: number;
  readonly delaySamples: number;
  readonly delayMedianMs: number;
  readonly delayP99Ms: number;
  /** The same edges from the objects' own second-precision times (completionTime -> creationTimestamp). */
  readonly delayServerMedianS: number;
  readonly delayServerP99S: number;
  readonly rssIdleMiB: number;
  readonly rssAfterRunsMiB: number;
  readonly rssWith1000MiB: number;
  readonly presentRuns: number;
  readonly load: string;
}

interface JobObject extends KubernetesObject {
  status?: { completionTime?: string; succeeded?: number; conditions?: { type: string; status: string }[] };
}
interface RunObject extends KubernetesObject {
  status?: { phase?: string };
}

const mib = (kb: number): number => Math.round((kb / 1024) * 10) / 10;
const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0
    ? NaN
    : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number);

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? NaN);
}

async function apiserverRequests(kubeconfig: string): Promise<number> {
  const { stdout } = await kubectl(['get', '--raw', '/metrics'], { kubeconfig });
  let total = 0;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('apiserver_request_total{')) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

const jobDone = (job: JobObject): boolean =>
  Boolean(job.status?.completionTime) ||
  (job.status?.conditions ?? []).some(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );

/** A watch that records when each object was first seen and first seen finished. */
class Tracker<T extends KubernetesObject> {
  readonly added = new Map<string, number>();
  readonly finished = new Map<string, number>();
  readonly objects = new Map<string, T>();
  private abort?: AbortController;
  constructor(
    private readonly kc: KubeConfig,
    private readonly path: string,
    private readonly isFinished: (o: T) => boolean,
  ) {}
  async start(): Promise<void> {
    const watch = new Watch(this.kc);
    this.abort = await watch.watch(
      this.path,
      {},
      (type, object: T) => {
        const now = performance.now();
        const name = object.metadata?.name ?? '';
        if (type === 'DELETED') return;
        if (!this.added.has(name)) this.added.set(name, now);
        this.objects.set(name, object);
        if (!this.finished.has(name) && this.isFinished(object)) this.finished.set(name, now);
      },
      (error) => {
        if (error && (error as Error).name !== 'AbortError')
          console.error(`bench watch ${this.path} ended: ${String(error)}`);
      },
    );
  }
  stop(): void {
    this.abort?.abort();
  }
}

export async function benchOperator(): Promise<OperatorBenchResult> {
  let own: TestCluster | undefined;
  let kubeconfig = process.env.KUBECONFIG?.split(':').find(Boolean);
  if (!kubeconfig) {
    const kwokNodes = Number(process.env.CONVEYOR_KWOK_NODES ?? 2);
    try {
      own = await startCluster({ kwokNodes });
    } catch (error) {
      console.error(`bench: no kwok (${(error as Error).message.split('\n')[0]}); real pods only`);
      own = await startCluster({ kwokNodes: 0 });
    }
    kubeconfig = own.kubeconfig;
  }
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const namespaces: { remove: () => Promise<void> }[] = [];
  let controller: ChildProcess | undefined;
  try {
    const nodes = await kubectl(
      ['get', 'nodes', '-l', `${KWOK_NODE_LABEL.key}=${KWOK_NODE_LABEL.value}`, '-o', 'name'],
      {
        kubeconfig,
      },
    );
    const kwok = nodes.stdout.trim().length > 0;
    const runs = Number(process.env.CONVEYOR_BENCH_RUNS ?? (kwok ? 100 : 20));
    const stepsPerRun = Number(process.env.CONVEYOR_BENCH_STEPS ?? 20);
    const present = Number(process.env.CONVEYOR_BENCH_PRESENT_RUNS ?? 1000);
    const placement = kwok
      ? {
          nodeSelector: { [KWOK_NODE_LABEL.key]: KWOK_NODE_LABEL.value },
          tolerations: [
            { key: KWOK_TAINT.key, operator: 'Equal', value: KWOK_TAINT.value, effect: 'NoSchedule' },
          ],
        }
      : {};

    await installCrds(kubeconfig);

    // Reference: the same number of plain Jobs, created by one kubectl apply, to completion.
    const rawNs = await createNamespace('bench-raw', kubeconfig);
    namespaces.push(rawNs);
    const rawJobs = Math.min(runs * stepsPerRun, 500);
    const rawTracker = new Tracker<JobObject>(kc, `/apis/batch/v1/namespaces/${rawNs.name}/jobs`, jobDone);
    await rawTracker.start();
    const rawStart = performance.now();
    const jobs = Array.from({ length: rawJobs }, (_, i) => ({
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
      await apply(jobs.slice(i, i + 100), { kubeconfig, namespace: rawNs.name });
    }
    await pollUntil(() => rawTracker.finished.size >= rawJobs, {
      what: `${rawJobs} raw Jobs to complete`,
      timeoutMs: 600_000,
      intervalMs: 200,
    });
    const rawJobsSeconds = (Math.max(...rawTracker.finished.values()) - rawStart) / 1000;
    rawTracker.stop();
    await rawNs.remove();

    // The controller, counting its own requests.
    const ns = await createNamespace('bench-operator', kubeconfig);
    namespaces.push(ns);
    const target = { kubeconfig, namespace: ns.name };
    const work = mkdtempSync(join(tmpdir(), 'conveyor-bench-'));
    const countsFile = join(work, 'requests.json');
    let log = '';
    controller = spawn(
      process.execPath,
      [
        '--import',
        writeRequestCounter(work),
        join(REPO_ROOT, 'bin', 'conveyor.js'),
        'controller',
        '--kubeconfig',
        kubeconfig,
        '--namespace',
        ns.name,
        '--port',
        '0',
        '--log-level',
        'warn',
        ...(process.env.CONVEYOR_BENCH_CONCURRENCY
          ? ['--concurrency', process.env.CONVEYOR_BENCH_CONCURRENCY]
          : []),
      ],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, CONVEYOR_BENCH_REQUEST_COUNTS: countsFile },
      },
    );
    const child = controller;
    child.stdout?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
    child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
    const readCounts = (): Record<string, number> => {
      try {
        return JSON.parse(readFileSync(countsFile, 'utf8')) as Record<string, number>;
      } catch {
        return {};
      }
    };
    // --log-level warn hides "controller started"; the counter's first flush says it is up.
    await delay(3000);
    await pollUntil(
      () => child.exitCode === null && Object.keys(readCounts()).some((k) => k.startsWith('WATCH')),
      {
        what: 'the controller to start watching',
        timeoutMs: 60_000,
        describe: () => log,
      },
    );
    await delay(2000);
    const rssIdleKb = rssKb(child.pid as number);

    // (a) + (b): R runs of an S-step DAG.
    const dag = randomDag(stepsPerRun, 5, 42);
    const document = {
      name: 'bench-dag',
      runner: kwok
        ? { node_selector: placement.nodeSelector, tolerations: placement.tolerations }
        : undefined,
      steps: [
        {
          name: 'all',
          parallel: true,
          steps: dag.names.map((name, i) => ({
            name,
            command: 'true',
            ...(dag.deps[i]?.length ? { depends_on: dag.deps[i] } : {}),
          })),
        },
      ],
    };
    const gate = { name: 'bench-gate', steps: [{ name: 'gate', command: 'true', manual_approval: true }] };
    for (const d of [document, gate]) {
      const wrapped = workflowResource(JSON.parse(JSON.stringify(d)) as Record<string, unknown>, ns.name);
      if (!wrapped.ok) throw new Error(`bench workflow: ${JSON.stringify(wrapped)}`);
      await apply([wrapped.resource], target);
    }
    const jobTracker = new Tracker<JobObject>(kc, `/apis/batch/v1/namespaces/${ns.name}/jobs`, jobDone);
    const runTracker = new Tracker<RunObject>(
      kc,
      `/apis/conveyor.dev/v1alpha1/namespaces/${ns.name}/workflowruns`,
      (r) => ['Succeeded', 'Failed', 'Cancelled', 'AwaitingApproval'].includes(r.status?.phase ?? ''),
    );
    await Promise.all([jobTracker.start(), runTracker.start()]);
    await delay(1000);
    const runObject = (name: string, workflow: string): object => ({
      apiVersion: 'conveyor.dev/v1alpha1',
      kind: 'WorkflowRun',
      metadata: { name, namespace: ns.name, annotations: { [CREATED_BY_ANNOTATION]: ADMIN_USER } },
      spec: { workflowRef: { name: workflow } },
    });
    const names = Array.from({ length: runs }, (_, i) => `dag-${i}`);
    const countsBefore = readCounts();
    const apiBefore = await apiserverRequests(kubeconfig);
    const start = performance.now();
    await apply(
      names.map((n) => runObject(n, 'bench-dag')),
      target,
    );
    await pollUntil(() => names.every((n) => runTracker.finished.has(n)), {
      what: `${runs} runs to finish`,
      timeoutMs: Number(process.env.CONVEYOR_BENCH_TIMEOUT_S ?? 900) * 1000,
      intervalMs: 200,
      describe: () =>
        `${[...runTracker.objects.values()].filter((r) => !runTracker.finished.has(r.metadata?.name ?? '')).length} unfinished; controller log:\n${log.slice(-4000)}`,
    });
    const end = Math.max(...names.map((n) => runTracker.finished.get(n) as number));
    const seconds = (end - start) / 1000;
    await delay(1000);
    const countsAfter = readCounts();
    const apiAfter = await apiserverRequests(kubeconfig);
    const failed = names.filter((n) => runTracker.objects.get(n)?.status?.phase !== 'Succeeded');
    if (failed.length > 0) throw new Error(`${failed.length} bench runs did not succeed, e.g. ${failed[0]}`);
    const steps = runs * stepsPerRun;
    const requestsByKind: Record<string, number> = {};
    let controllerRequests = 0;
    for (const [kind, n] of Object.entries(countsAfter)) {
      const d = n - (countsBefore[kind] ?? 0);
      if (d <= 0) continue;
      requestsByKind[kind] = Math.round((d / steps) * 100) / 100;
      // "VERB resource CODE" entries are failures already counted under "VERB resource".
      if (!/ \d{3}$/.test(kind)) controllerRequests += d;
    }

    // (b) Job finished (seen complete) -> dependent's Job created (seen added), per dependent step.
    const byRunStep = new Map<string, string>();
    for (const [name, job] of jobTracker.objects) {
      const run = job.metadata?.ownerReferences?.find((r) => r.kind === 'WorkflowRun')?.name;
      const step = job.metadata?.annotations?.['conveyor.dev/step-name'];
      if (run && step) byRunStep.set(`${run}/${step}`, name);
    }
    const delays: number[] = [];
    const serverDelays: number[] = [];
    const seconds1 = (t: string | undefined): number => (t ? Date.parse(t) / 1000 : NaN);
    for (const run of names) {
      dag.names.forEach((step, i) => {
        const deps = dag.deps[i] ?? [];
        const job = byRunStep.get(`${run}/${step}`);
        if (deps.length === 0 || !job) return;
        const ready = Math.max(
          ...deps.map((d) => jobTracker.finished.get(byRunStep.get(`${run}/${d}`) ?? '') ?? NaN),
        );
        const created = jobTracker.added.get(job);
        if (created !== undefined && Number.isFinite(ready)) delays.push(created - ready);
        const serverReady = Math.max(
          ...deps.map((d) =>
            seconds1(jobTracker.objects.get(byRunStep.get(`${run}/${d}`) ?? '')?.status?.completionTime),
          ),
        );
        const serverCreated = seconds1(
          jobTracker.objects.get(job)?.metadata?.creationTimestamp as string | undefined,
        );
        if (Number.isFinite(serverReady - serverCreated)) serverDelays.push(serverCreated - serverReady);
      });
    }
    delays.sort((a, b) => a - b);
    serverDelays.sort((a, b) => a - b);
    jobTracker.stop();
    const rssAfterRunsKb = rssKb(child.pid as number);

    // (c) 1,000 runs present: the finished ones plus runs waiting for approval (no Jobs).
    const waiting = Array.from({ length: Math.max(0, present - runs) }, (_, i) => `gate-${i}`);
    for (let i = 0; i < waiting.length; i += 100) {
      await apply(
        waiting.slice(i, i + 100).map((n) => runObject(n, 'bench-gate')),
        target,
      );
    }
    await pollUntil(() => waiting.every((n) => runTracker.finished.has(n)), {
      what: `${waiting.length} runs to wait for approval`,
      timeoutMs: 600_000,
      intervalMs: 500,
      describe: () => log.slice(-4000),
    });
    runTracker.stop();
    await delay(3000);
    const rssWith1000Kb = rssKb(child.pid as number);

    const round = (n: number, d = 1): number => Math.round(n * 10 ** d) / 10 ** d;
    return {
      kwok,
      runs,
      stepsPerRun,
      steps,
      seconds: round(seconds),
      stepsPerSecond: round(steps / seconds),
      controllerRequests,
      controllerRequestsPerStep: round(controllerRequests / steps, 2),
      requestsByKind,
      apiserverRequestsPerStep: round((apiAfter - apiBefore) / steps, 1),
      rawJobs,
      rawJobsSeconds: round(rawJobsSeconds),
      rawJobsPerSecond: round(rawJobs / rawJobsSeconds),
      delaySamples: delays.length,
      delayMedianMs: Math.round(percentile(delays, 50)),
      delayP99Ms: Math.round(percentile(delays, 99)),
      delayServerMedianS: percentile(serverDelays, 50),
      delayServerP99S: percentile(serverDelays, 99),
      rssIdleMiB: mib(rssIdleKb),
      rssAfterRunsMiB: mib(rssAfterRunsKb),
      rssWith1000MiB: mib(rssWith1000Kb),
      presentRuns: runs + waiting.length,
      load: loadavg()
        .map((l) => l.toFixed(2))
        .join(' '),
    };
  } finally {
    if (controller && controller.exitCode === null) {
      const exited = new Promise((resolve) => controller?.once('exit', resolve));
      controller.kill('SIGTERM');
      await Promise.race([exited, delay(15_000)]);
      if (controller.exitCode === null) controller.kill('SIGKILL');
    }
    for (const ns of namespaces) await ns.remove().catch(() => {});
    await own?.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchOperator());
}
