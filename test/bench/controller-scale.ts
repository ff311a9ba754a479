// Benchmark of the controller's start with many runs present, as `npm run bench scale` prints it:
//  (a) time to first reconcile: with F1 (1,000) finished runs in its namespace, from spawning
//      `conveyor controller` to a new run's status written by it;
//  (b) scale: with F (10,000) finished runs and A (100) active ones (new runs, which it must start:
//      pin their workflow, write their status), from spawning it to /readyz answering 200, and to
//      every active run reconciled; its resident memory then (VmRSS, and VmHWM: the peak so far); then
//      to every run cached, the finished ones included (its conveyor_workflow_runs gauge counts them
//      all: the controller lists finished runs after the first reconciles), and its memory then.
// The finished runs are copies of one real finished run of the bench's 20-step DAG (its status, the
// engine state in it re-encoded under each copy's name, its pinned workflow ConfigMap), written
// through the API, so the controller finds what it would after running them itself.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { decodeEngineState, encodeEngineState } from '../../src/controller/engine-state-codec.ts';
import { pinnedWorkflowName } from '../../src/executors/kubernetes/names.ts';
import { CREATED_BY_ANNOTATION, workflowResource } from '../../src/spec/crd/resources.ts';
import { isDistFresh } from '../../scripts/dist-stamp.mjs';
import { ADMIN_USER, REPO_ROOT } from '../cluster/harness.ts';
import { installCrds } from '../cluster/install-crds.ts';
import { apply, kubectl } from '../cluster/kubectl.ts';
import { pollUntil } from '../cluster/lib/wait.ts';
import { benchCluster } from './bench-cluster.ts';
import type { Placement } from './controller-round.ts';
import { createBenchNamespace } from './controller-round.ts';
import { benchDag } from './dag.ts';
import { memoryOf } from './process-usage.ts';

const execFileAsync = promisify(execFile);
const GROUP = 'conveyor.dev';
const VERSION = 'v1alpha1';
const TEMPLATE = 'scale-template-run';
const ACTIVE_LABEL = 'bench.conveyor.dev/active';

export interface ControllerScaleResult {
  readonly load: string;
  readonly firstReconcile: { readonly finishedRuns: number; readonly ms: number };
  readonly scale: {
    readonly finishedRuns: number;
    readonly activeRuns: number;
    readonly readyMs: number;
    readonly activeReconciledMs: number;
    readonly rssMiB: number;
    readonly hwmMiB: number;
    /** From spawning it to every finished run cached, and its memory then. */
    readonly allCachedMs: number;
    readonly allCachedRssMiB: number;
    readonly allCachedHwmMiB: number;
  };
  /** How long writing the finished runs took (not part of any figure). */
  readonly setupSeconds: number;
}

interface RunObject {
  metadata: { name: string; uid: string; generation?: number; resourceVersion?: string };
  status?: Record<string, unknown> & { phase?: string; pinnedWorkflow?: string };
}

/** Runs `work` over `items`, `limit` at a time. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** `conveyor controller` as it ships (dist/), watching one namespace, quiet. */
function spawnController(kubeconfig: string, namespace: string, port: number): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      join(REPO_ROOT, 'bin', 'conveyor.js'),
      'controller',
      '--kubeconfig',
      kubeconfig,
      '--namespace',
      namespace,
      '--port',
      String(port),
      '--log-level',
      'warn',
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-8000)));
  child.once('exit', (code) => {
    if (code) console.error(`bench scale: the controller exited ${code}:\n${log}`);
  });
  return child;
}

async function stopController(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, delay(15_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** The controller's count of finished runs in its cache (conveyor_workflow_runs), or 0. */
async function cachedSucceededRuns(port: number): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return Number(/^conveyor_workflow_runs\{phase="Succeeded"\} (\d+)/m.exec(text)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

async function isReady(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
  } catch {
    return false;
  }
}

function workflows(namespace: string, placement: Placement): object[] {
  const dag = benchDag(20);
  const runner = placement.nodeSelector
    ? { node_selector: placement.nodeSelector, tolerations: placement.tolerations }
    : undefined;
  const documents = [
    {
      name: 'scale-dag',
      runner,
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
    },
    { name: 'scale-gate', steps: [{ name: 'gate', command: 'true', manual_approval: true }] },
  ];
  return documents.map((d) => {
    const wrapped = workflowResource(JSON.parse(JSON.stringify(d)) as Record<string, unknown>, namespace);
    if (!wrapped.ok) throw new Error(`bench workflow: ${JSON.stringify(wrapped)}`);
    return wrapped.resource;
  });
}

const runBody = (name: string, workflow: string, namespace: string, labels: Record<string, string> = {}) => ({
  apiVersion: `${GROUP}/${VERSION}`,
  kind: 'WorkflowRun',
  metadata: { name, namespace, labels, annotations: { [CREATED_BY_ANNOTATION]: ADMIN_USER } },
  spec: { workflowRef: { name: workflow } },
});

class ScaleCluster {
  readonly custom: CustomObjectsApi;
  readonly core: CoreV1Api;

  constructor(
    readonly kubeconfig: string,
    readonly namespace: string,
  ) {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async createRun(body: object): Promise<RunObject> {
    return (await this.custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: this.namespace,
      plural: 'workflowruns',
      body,
    })) as RunObject;
  }

  async getRun(name: string): Promise<RunObject> {
    return (await this.custom.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: this.namespace,
      plural: 'workflowruns',
      name,
    })) as RunObject;
  }

  async activeRuns(): Promise<RunObject[]> {
    const list = (await this.custom.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: this.namespace,
      plural: 'workflowruns',
      labelSelector: ACTIVE_LABEL,
    })) as { items: RunObject[] };
    return list.items;
  }

  /** A finished copy of the template run: the run, its pinned workflow, its status. */
  async copyFinished(
    name: string,
    template: { status: Record<string, unknown>; engineJson: string; pinnedData: Record<string, string> },
  ): Promise<void> {
    const run = await this.createRun(runBody(name, 'scale-dag', this.namespace));
    const pinned = pinnedWorkflowName(name);
    await this.core.createNamespacedConfigMap({
      namespace: this.namespace,
      body: {
        metadata: {
          name: pinned,
          ownerReferences: [
            { apiVersion: `${GROUP}/${VERSION}`, kind: 'WorkflowRun', name, uid: run.metadata.uid },
          ],
        },
        immutable: true,
        data: template.pinnedData,
      },
    });
    const decoded = decodeEngineState(JSON.parse(template.engineJson));
    if (!decoded.ok) throw new Error(decoded.message);
    const state = JSON.parse(
      JSON.stringify(decoded.state).replaceAll(TEMPLATE, name),
    ) as typeof decoded.state;
    const status = {
      ...(JSON.parse(JSON.stringify(template.status).replaceAll(TEMPLATE, name)) as Record<string, unknown>),
      pinnedWorkflow: pinned,
      observedGeneration: run.metadata.generation,
      engine: encodeEngineState(state),
    };
    await this.custom.patchNamespacedCustomObjectStatus(
      {
        group: GROUP,
        version: VERSION,
        namespace: this.namespace,
        plural: 'workflowruns',
        name,
        body: { status },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
}

async function buildDistIfStale(): Promise<void> {
  if (!isDistFresh(REPO_ROOT))
    await execFileAsync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs')], { cwd: REPO_ROOT });
}

/** One real run of the DAG to its end, by a controller that is then stopped: the template of copies. */
async function finishedTemplate(cluster: ScaleCluster): Promise<{
  status: Record<string, unknown>;
  engineJson: string;
  pinnedData: Record<string, string>;
}> {
  const port = await freePort();
  const controller = spawnController(cluster.kubeconfig, cluster.namespace, port);
  try {
    await cluster.createRun(runBody(TEMPLATE, 'scale-dag', cluster.namespace));
    const done = await pollUntil(
      async () => {
        const run = await cluster.getRun(TEMPLATE);
        return run.status?.phase === 'Succeeded' ? run : undefined;
      },
      { what: 'the template run to succeed', timeoutMs: 600_000, intervalMs: 500 },
    );
    const status = { ...(done.status as Record<string, unknown>) };
    const engineJson = JSON.stringify(status.engine);
    delete status.engine;
    const cm = await cluster.core.readNamespacedConfigMap({
      namespace: cluster.namespace,
      name: String(done.status?.pinnedWorkflow),
    });
    return { status, engineJson, pinnedData: cm.data ?? {} };
  } finally {
    await stopController(controller);
  }
}

/** Spawns the controller and resolves when `done` holds, with the ms from the spawn. */
async function timeFromSpawn(
  cluster: ScaleCluster,
  port: number,
  done: () => Promise<boolean>,
  what: string,
): Promise<{ controller: ChildProcess; ms: number }> {
  const start = performance.now();
  const controller = spawnController(cluster.kubeconfig, cluster.namespace, port);
  await pollUntil(
    async () => {
      if (controller.exitCode !== null) throw new Error(`the controller exited ${controller.exitCode}`);
      return done();
    },
    { what, timeoutMs: 300_000, intervalMs: 50, fatal: () => true },
  );
  return { controller, ms: Math.round(performance.now() - start) };
}

export async function benchControllerScale(
  options: { finishedRuns?: number; activeRuns?: number; firstReconcileRuns?: number } = {},
): Promise<ControllerScaleResult> {
  const finishedRuns = options.finishedRuns ?? Number(process.env.CONVEYOR_BENCH_SCALE_FINISHED ?? 10_000);
  const activeRuns = options.activeRuns ?? Number(process.env.CONVEYOR_BENCH_SCALE_ACTIVE ?? 100);
  const firstRuns = Math.min(finishedRuns, options.firstReconcileRuns ?? 1000);
  const bench = await benchCluster();
  try {
    await buildDistIfStale();
    await installCrds(bench.kubeconfig);
    const namespace = await createBenchNamespace('bench-scale', bench.kubeconfig);
    const cluster = new ScaleCluster(bench.kubeconfig, namespace);
    await apply(workflows(namespace, bench.placement), { kubeconfig: bench.kubeconfig, namespace });
    const template = await finishedTemplate(cluster);
    const setupStart = performance.now();
    const names = Array.from({ length: finishedRuns }, (_, i) => `done-${String(i).padStart(5, '0')}`);
    // The template run counts as one of the finished runs.
    await eachLimited(names.slice(0, firstRuns - 1), 48, (name) => cluster.copyFinished(name, template));
    let setupMs = performance.now() - setupStart;

    // (a) Time to first reconcile.
    const port = await freePort();
    await cluster.createRun(runBody('first', 'scale-gate', namespace));
    const first = await timeFromSpawn(
      cluster,
      port,
      async () => (await cluster.getRun('first')).status?.phase !== undefined,
      'the new run to be reconciled',
    );
    await stopController(first.controller);
    await kubectl(['delete', 'workflowruns.conveyor.dev', 'first', '--wait=false'], {
      kubeconfig: bench.kubeconfig,
      namespace,
    });

    // (b) Scale.
    const more = performance.now();
    await eachLimited(names.slice(firstRuns - 1, finishedRuns - 1), 48, (name) =>
      cluster.copyFinished(name, template),
    );
    setupMs += performance.now() - more;
    await eachLimited(
      Array.from({ length: activeRuns }, (_, i) => `active-${i}`),
      16,
      async (name) => {
        await cluster.createRun(runBody(name, 'scale-gate', namespace, { [ACTIVE_LABEL]: 'true' }));
      },
    );
    const start = performance.now();
    const controller = spawnController(bench.kubeconfig, namespace, port);
    let readyMs: number | undefined;
    try {
      await pollUntil(
        async () => {
          if (controller.exitCode !== null) throw new Error(`the controller exited ${controller.exitCode}`);
          if (readyMs === undefined && (await isReady(port))) readyMs = Math.round(performance.now() - start);
          if (readyMs === undefined) return false;
          const active = await cluster.activeRuns();
          return active.length === activeRuns && active.every((r) => r.status?.phase !== undefined);
        },
        {
          what: `${activeRuns} active runs to be reconciled`,
          timeoutMs: 600_000,
          intervalMs: 50,
          fatal: () => true,
        },
      );
      const activeReconciledMs = Math.round(performance.now() - start);
      const memory = memoryOf(controller.pid as number);
      await pollUntil(async () => (await cachedSucceededRuns(port)) >= finishedRuns, {
        what: `${finishedRuns} finished runs to be cached`,
        timeoutMs: 600_000,
        intervalMs: 100,
      });
      const allCachedMs = Math.round(performance.now() - start);
      const cached = memoryOf(controller.pid as number);
      return {
        load: loadavg()
          .map((l) => l.toFixed(2))
          .join(' '),
        firstReconcile: { finishedRuns: firstRuns, ms: first.ms },
        scale: {
          finishedRuns,
          activeRuns,
          readyMs: readyMs ?? NaN,
          activeReconciledMs,
          rssMiB: memory.rssMiB,
          hwmMiB: memory.hwmMiB,
          allCachedMs,
          allCachedRssMiB: cached.rssMiB,
          allCachedHwmMiB: cached.hwmMiB,
        },
        setupSeconds: Math.round(setupMs / 100) / 10,
      };
    } finally {
      await stopController(controller);
      await kubectl(['delete', 'namespace', namespace, '--wait=false'], { kubeconfig: bench.kubeconfig });
    }
  } finally {
    await bench.stop();
  }
}
