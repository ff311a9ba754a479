// Conveyor's controller as a bench contender: a separate process (bin/conveyor.js controller) that
// counts its own API requests in-process (operator-request-counter.ts), the bench's DAG as a
// Workflow, and gate runs that wait for approval for the memory figure. Its extra figure is the
// delay from a Job complete to its dependents' Jobs created, from a watch on Jobs.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { KubernetesObject, V1Job, V1Pod } from '@kubernetes/client-node';
import { CREATED_BY_ANNOTATION, workflowResource } from '../../src/spec/crd/resources.ts';
import { isDistFresh } from '../../scripts/dist-stamp.mjs';
import { ADMIN_USER, REPO_ROOT } from '../cluster/harness.ts';
import { installCrds } from '../cluster/install-crds.ts';
import { apply } from '../cluster/kubectl.ts';
import { pollUntil } from '../cluster/lib/wait.ts';
import { dependencyDelays, percentile } from './controller-round.ts';
import type { Contender, RoundTarget, RunningController } from './controller-round.ts';
import { ObjectTracker } from './object-tracker.ts';
import { readRequestCounts, writeRequestCounter } from './operator-request-counter.ts';

const execFileAsync = promisify(execFile);

const phaseOf = (run: KubernetesObject): string =>
  ((run as { status?: { phase?: string } }).status?.phase ?? '') as string;

export const jobDone = (job: V1Job): boolean =>
  Boolean(job.status?.completionTime) ||
  (job.status?.conditions ?? []).some(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );

/** Starts `conveyor controller` for one namespace; resolves once it watches. */
export async function startConveyorController(
  kubeconfig: string,
  namespace: string,
  extraArgs: readonly string[] = [],
): Promise<RunningController> {
  const work = mkdtempSync(join(tmpdir(), 'conveyor-bench-'));
  const countsFile = join(work, 'requests.json');
  let log = '';
  const child = spawn(
    process.execPath,
    [
      '--import',
      writeRequestCounter(work),
      join(REPO_ROOT, 'bin', 'conveyor.js'),
      'controller',
      '--kubeconfig',
      kubeconfig,
      '--namespace',
      namespace,
      '--port',
      '0',
      '--log-level',
      'warn',
      ...extraArgs,
    ],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CONVEYOR_BENCH_REQUEST_COUNTS: countsFile },
    },
  );
  child.stdout?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
  // Absent until the counter's first flush; once written, a bad read is an error, not zero requests.
  const readCounts = (): Record<string, number> =>
    existsSync(countsFile) ? readRequestCounts(countsFile) : {};
  // --log-level warn hides "controller started"; the counter's first flush says it is up.
  await pollUntil(
    () => {
      if (child.exitCode !== null) throw new Error(`the controller exited ${child.exitCode}:\n${log}`);
      return Object.keys(readCounts()).some((k) => k.startsWith('WATCH'));
    },
    { what: 'the controller to start watching', timeoutMs: 60_000, describe: () => log, fatal: () => true },
  );
  return {
    pid: child.pid as number,
    // The counter flushes every 200 ms.
    requests: async () => {
      await delay(300);
      return readCounts();
    },
    log: () => log,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, delay(15_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** The bench's DAG as a Conveyor workflow, and a one-step workflow that waits for approval. */
function workflows(target: RoundTarget): object[] {
  const { dag, placement } = target;
  const runner = placement.nodeSelector
    ? { node_selector: placement.nodeSelector, tolerations: placement.tolerations }
    : undefined;
  const documents = [
    {
      name: 'bench-dag',
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
    { name: 'bench-gate', steps: [{ name: 'gate', command: 'true', manual_approval: true }] },
  ];
  return documents.map((d) => {
    const wrapped = workflowResource(
      JSON.parse(JSON.stringify(d)) as Record<string, unknown>,
      target.namespace,
    );
    if (!wrapped.ok) throw new Error(`bench workflow: ${JSON.stringify(wrapped)}`);
    return wrapped.resource;
  });
}

export function conveyorContender(extraArgs: readonly string[] = []): Contender {
  return {
    name: 'conveyor',
    async install(kubeconfig) {
      // The controller as it ships (dist/), not the sources through tsx, whose loader costs memory
      // and start-up time: bin/conveyor.js runs dist/ only while it matches the sources. Built only
      // when stale: rebuilding replaces dist/ under every other process of a shared test cluster
      // (CLI calls and controllers of concurrent suites), which then fail to load their chunks.
      if (!isDistFresh(REPO_ROOT))
        await execFileAsync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs')], { cwd: REPO_ROOT });
      await installCrds(kubeconfig);
    },
    async start(target) {
      await apply(workflows(target), { kubeconfig: target.kubeconfig, namespace: target.namespace });
      return startConveyorController(target.kubeconfig, target.namespace, extraArgs);
    },
    runsPath: (namespace) => `/apis/conveyor.dev/v1alpha1/namespaces/${namespace}/workflowruns`,
    runObject: (name, kind, namespace) => ({
      apiVersion: 'conveyor.dev/v1alpha1',
      kind: 'WorkflowRun',
      metadata: { name, namespace, annotations: { [CREATED_BY_ANNOTATION]: ADMIN_USER } },
      spec: { workflowRef: { name: kind === 'dag' ? 'bench-dag' : 'bench-gate' } },
    }),
    isSettled: (run) => ['Succeeded', 'Failed', 'Cancelled', 'AwaitingApproval'].includes(phaseOf(run)),
    isSucceeded: (run) => phaseOf(run) === 'Succeeded',
    podStep(pod) {
      const run = pod.metadata?.labels?.['conveyor.dev/run'];
      const step = pod.metadata?.labels?.['conveyor.dev/step'];
      return run && step ? { run, step } : undefined;
    },
    async extraFigures(target) {
      const jobs = new ObjectTracker<V1Job>(
        target.kubeconfig,
        `/apis/batch/v1/namespaces/${target.namespace}/jobs`,
        jobDone,
      );
      const pods = new ObjectTracker<V1Pod>(
        target.kubeconfig,
        `/api/v1/namespaces/${target.namespace}/pods`,
        (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed',
      );
      await Promise.all([jobs.start(), pods.start()]);
      return {
        stop(runs) {
          jobs.stop();
          pods.stop();
          const byStep = new Map<string, string>();
          for (const [name, job] of jobs.objects) {
            const run = job.metadata?.ownerReferences?.find((r) => r.kind === 'WorkflowRun')?.name;
            const step = job.metadata?.annotations?.['conveyor.dev/step-name'];
            if (run && step) byStep.set(`${run}/${step}`, name);
          }
          const delays = dependencyDelays(runs, target.dag, jobs, (run, step) =>
            byStep.get(`${run}/${step}`),
          );
          // pod -> pod split in two: ours (a pod finished -> its dependents' Jobs created) and the Job
          // controller's (a Job created -> its pod created).
          const byStepKey = <T>(
            tracker: ObjectTracker<T & V1Pod>,
            name: (o: T & V1Pod) => string | undefined,
          ) => {
            const added = new Map<string, number>();
            const finished = new Map<string, number>();
            for (const [objectName, object] of tracker.objects) {
              const key = name(object);
              if (!key) continue;
              const a = tracker.added.get(objectName);
              const f = tracker.finished.get(objectName);
              if (a !== undefined) added.set(key, a);
              if (f !== undefined) finished.set(key, f);
            }
            return { added, finished };
          };
          const podTimes = byStepKey(pods, (p) => {
            const run = p.metadata?.labels?.['conveyor.dev/run'];
            const step = p.metadata?.labels?.['conveyor.dev/step'];
            return run && step ? `${run}/${step}` : undefined;
          });
          const jobKey = (j: V1Job): string | undefined => {
            const run = j.metadata?.ownerReferences?.find((r) => r.kind === 'WorkflowRun')?.name;
            const step = j.metadata?.annotations?.['conveyor.dev/step-name'];
            return run && step ? `${run}/${step}` : undefined;
          };
          const jobTimes = byStepKey(jobs as unknown as ObjectTracker<V1Pod>, (j) =>
            jobKey(j as unknown as V1Job),
          );
          const ours = dependencyDelays(
            runs,
            target.dag,
            { added: jobTimes.added, finished: podTimes.finished },
            (run, step) => `${run}/${step}`,
          );
          const jobController: number[] = [];
          for (const [key, created] of jobTimes.added) {
            const pod = podTimes.added.get(key);
            if (pod !== undefined) jobController.push(pod - created);
          }
          jobController.sort((a, b) => a - b);
          return {
            podEndToJobMedianMs: Math.round(percentile(ours, 50)),
            podEndToJobP99Ms: Math.round(percentile(ours, 99)),
            jobToPodMedianMs: Math.round(percentile(jobController, 50)),
            jobToPodP99Ms: Math.round(percentile(jobController, 99)),
            jobToJobSamples: delays.length,
            jobToJobMedianMs: Math.round(percentile(delays, 50)),
            jobToJobP99Ms: Math.round(percentile(delays, 99)),
          };
        },
      };
    },
  };
}
