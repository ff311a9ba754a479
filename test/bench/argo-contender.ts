// Argo Workflows' workflow-controller as a bench contender, built from the Go module proxy by
// build-argo.sh. It runs namespaced (--namespaced, LEADER_ELECTION_DISABLE=true) with its minimal
// CRDs and a workflow-controller-configmap that serves its metrics over plain HTTP on a free port;
// its own API requests are its argo_workflows_k8s_request_total. The bench's DAG is a
// WorkflowTemplate; the memory figure's waiting runs are suspended Workflows.
// No executor runs on kwok's nodes, so for every pod the bench writes the WorkflowTaskResult that
// its `wait` container would write (report-outputs-completed: "true"): without it Argo waits for the
// result before it calls the step done, and with it Argo pays the same reconcile a real one costs.
import { execFile, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { apply, kubectl } from '../cluster/kubectl.ts';
import { freePorts } from '../cluster/lib/ports.ts';
import { pollUntil } from '../cluster/lib/wait.ts';
import type { Contender, RoundTarget, RunningController } from './controller-round.ts';
import { sumCounter } from './prometheus-text.ts';

const execFileAsync = promisify(execFile);
const BUILD_SCRIPT = join(import.meta.dirname, 'build-argo.sh');
const GROUP = 'argoproj.io';
const VERSION = 'v1alpha1';
const WORKFLOW_LABEL = 'workflows.argoproj.io/workflow';

export interface ArgoBuild {
  readonly binary: string;
  /** The module's folder (manifests/base/crds/minimal holds the CRDs). */
  readonly moduleDir: string;
}

/** Builds (once per machine) and finds Argo's controller; $CONVEYOR_ARGO_BIN overrides the binary. */
export async function argoBuild(): Promise<ArgoBuild> {
  const { stdout } = await execFileAsync('bash', [BUILD_SCRIPT], { maxBuffer: 64 * 1024 * 1024 });
  const [binary = '', moduleDir = ''] = stdout.trim().split('\n');
  return { binary: process.env.CONVEYOR_ARGO_BIN || binary, moduleDir };
}

/** How Argo is run: its defaults, or tuned as its docs advise for throughput. */
export interface ArgoTuning {
  readonly name: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
}

export const ARGO_DEFAULT: ArgoTuning = { name: 'argo-default', args: [], env: {} };
/** Client-side throttling lifted and the 10 s requeue shortened, as Argo's scaling docs suggest. */
export const ARGO_TUNED: ArgoTuning = {
  name: 'argo-tuned',
  args: ['--qps', '200', '--burst', '300'],
  env: { DEFAULT_REQUEUE_TIME: '1s' },
};

/** Polled rather than `kubectl wait`, which fails outright on a CRD created an instant ago. */
async function waitEstablished(crds: readonly string[], kubeconfig: string): Promise<void> {
  for (const crd of crds) {
    await pollUntil(
      async () => {
        const result = await kubectl(
          ['get', crd, '-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}'],
          { kubeconfig, allowFailure: true },
        );
        return result.code === 0 && result.stdout.trim() === 'True';
      },
      { what: `${crd} Established`, timeoutMs: 60_000, intervalMs: 200 },
    );
  }
}

const phaseOf = (o: KubernetesObject): string => (o as { status?: { phase?: string } }).status?.phase ?? '';

function workflowTemplates(target: RoundTarget): object[] {
  const { dag, placement } = target;
  const spec = {
    ...(placement.nodeSelector ? { nodeSelector: placement.nodeSelector } : {}),
    ...(placement.tolerations ? { tolerations: placement.tolerations } : {}),
  };
  return [
    {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'WorkflowTemplate',
      metadata: { name: 'bench-dag' },
      spec: {
        ...spec,
        entrypoint: 'main',
        templates: [
          {
            name: 'main',
            dag: {
              tasks: dag.names.map((name, i) => ({
                name,
                template: 'step',
                ...(dag.deps[i]?.length ? { dependencies: dag.deps[i] } : {}),
              })),
            },
          },
          { name: 'step', container: { image: 'busybox:1.37', command: ['true'] } },
        ],
      },
    },
    {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'WorkflowTemplate',
      metadata: { name: 'bench-gate' },
      spec: { entrypoint: 'main', templates: [{ name: 'main', suspend: {} }] },
    },
  ];
}

async function startArgo(
  build: ArgoBuild,
  tuning: ArgoTuning,
  target: RoundTarget,
): Promise<RunningController> {
  const [metricsPort] = (await freePorts(1)) as [number];
  const options = { kubeconfig: target.kubeconfig, namespace: target.namespace };
  await apply(
    [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'workflow-controller-configmap' },
        data: { config: `metricsConfig:\n  enabled: true\n  port: ${metricsPort}\n  secure: false\n` },
      },
      ...workflowTemplates(target),
    ],
    options,
  );
  let log = '';
  const child = spawn(
    build.binary,
    [
      '--kubeconfig',
      target.kubeconfig,
      '--namespace',
      target.namespace,
      '--namespaced',
      '--managed-namespace',
      target.namespace,
      '--loglevel',
      'warn',
      ...tuning.args,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LEADER_ELECTION_DISABLE: 'true', ...tuning.env },
    },
  );
  child.stdout?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
  const metrics = async (): Promise<string> => {
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    return response.text();
  };
  const requests = async (): Promise<Record<string, number>> => {
    // By verb and kind, as the in-process counter of Conveyor's controller reports them.
    return sumCounter(await metrics(), 'argo_workflows_k8s_request_total', ['verb', 'kind']).by;
  };
  await pollUntil(
    async () => {
      if (child.exitCode !== null) throw new Error(`${tuning.name} exited ${child.exitCode}:\n${log}`);
      return (await metrics()).includes('argo_workflows_k8s_request_total');
    },
    {
      what: `${tuning.name} to serve its metrics`,
      timeoutMs: 120_000,
      intervalMs: 500,
      describe: () => log,
      fatal: (e) => String(e).includes('exited'),
    },
  );
  return {
    pid: child.pid as number,
    requests,
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

export function argoContender(build: ArgoBuild, tuning: ArgoTuning): Contender {
  let objects: CustomObjectsApi | undefined;
  const written = new Set<string>();
  return {
    name: tuning.name,
    async install(kubeconfig) {
      const dir = join(build.moduleDir, 'manifests', 'base', 'crds', 'minimal');
      const files = readdirSync(dir).filter((f) => f.startsWith('argoproj.io_') && f.endsWith('.yaml'));
      await kubectl(
        ['apply', '--server-side', '--force-conflicts', ...files.flatMap((f) => ['-f', join(dir, f)])],
        {
          kubeconfig,
        },
      );
      await waitEstablished(
        files.map((f) => `crd/${f.slice('argoproj.io_'.length, -'.yaml'.length)}.${GROUP}`),
        kubeconfig,
      );
    },
    start(target) {
      const kc = new KubeConfig();
      kc.loadFromFile(target.kubeconfig);
      objects = kc.makeApiClient(CustomObjectsApi);
      written.clear();
      return startArgo(build, tuning, target);
    },
    runsPath: (namespace) => `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/workflows`,
    runObject: (name, kind) => ({
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'Workflow',
      metadata: { name },
      spec: { workflowTemplateRef: { name: kind === 'dag' ? 'bench-dag' : 'bench-gate' } },
    }),
    isSettled: (wf) =>
      ['Succeeded', 'Failed', 'Error'].includes(phaseOf(wf)) ||
      (wf.metadata?.name?.startsWith('gate-') === true && phaseOf(wf) === 'Running'),
    isSucceeded: (wf) => phaseOf(wf) === 'Succeeded',
    podStep(pod) {
      const run = pod.metadata?.labels?.[WORKFLOW_LABEL];
      const node = pod.metadata?.annotations?.['workflows.argoproj.io/node-name'];
      return run && node ? { run, step: node.slice(node.lastIndexOf('.') + 1) } : undefined;
    },
    onPodSeen(pod: V1Pod, target: RoundTarget) {
      const workflow = pod.metadata?.labels?.[WORKFLOW_LABEL];
      const nodeId = pod.metadata?.annotations?.['workflows.argoproj.io/node-id'];
      const owner = pod.metadata?.ownerReferences?.find((r) => r.kind === 'Workflow');
      if (!workflow || !nodeId || !owner || written.has(nodeId)) return;
      written.add(nodeId);
      void objects
        ?.createNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace: target.namespace,
          plural: 'workflowtaskresults',
          body: {
            apiVersion: `${GROUP}/${VERSION}`,
            kind: 'WorkflowTaskResult',
            metadata: {
              name: nodeId,
              labels: {
                [WORKFLOW_LABEL]: workflow,
                'workflows.argoproj.io/report-outputs-completed': 'true',
              },
              ownerReferences: [
                { apiVersion: `${GROUP}/${VERSION}`, kind: 'Workflow', name: owner.name, uid: owner.uid },
              ],
            },
          },
        })
        .catch((error: unknown) => console.error(`bench: task result ${nodeId}: ${String(error)}`));
    },
  };
}
