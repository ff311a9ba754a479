// @cluster own
// `npm run bench:argo` at a tiny size (3 runs x 4 steps, one round of Argo with its defaults and of
// Conveyor) proves that the tool measures every figure of its table; no figure is judged here. The
// bench needs kwok nodes and Argo's CRDs: it always starts a cluster of its own.
// Also: the bench's watches keep seeing objects after the API server ends a watch.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { REPO_ROOT } from './harness.ts';
import { apply, createNamespace } from './kubectl.ts';
import { pollUntil } from './lib/wait.ts';
import { useCluster } from './use-cluster.ts';
import { ObjectTracker } from '../bench/object-tracker.ts';
import type { ArgoBenchResult } from '../bench/argo.ts';
import { benchDag } from '../bench/dag.ts';

const execFileAsync = promisify(execFile);
const suite = await useCluster();

test(
  'a bench watch that the API server ends resumes and sees every later object',
  suite.options,
  async () => {
    const { kubeconfig } = suite.get();
    const namespace = await createNamespace('bench-watch', kubeconfig);
    // The API server ends each of this tracker's watches after a second.
    const tracker = new ObjectTracker<V1ConfigMap>(
      kubeconfig,
      `/api/v1/namespaces/${namespace.name}/configmaps`,
      undefined,
      undefined,
      1,
    );
    try {
      await tracker.start();
      const names = Array.from({ length: 4 }, (_, i) => `after-${i}`);
      for (const name of names) {
        await apply([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } }], {
          kubeconfig,
          namespace: namespace.name,
        });
        await delay(1500);
      }
      await pollUntil(() => names.every((n) => tracker.added.has(n)), {
        what: 'the tracker to see every ConfigMap',
        timeoutMs: 30_000,
        describe: () => `seen: ${[...tracker.added.keys()].join(', ')}`,
      });
      assert.ok(tracker.resumes >= 1, `the watch was resumed (${tracker.resumes} times)`);
    } finally {
      tracker.stop();
      await namespace.remove();
    }
  },
);

test(
  'bench:argo measures Argo and Conveyor on the same DAG and prints one JSON document',
  suite.options,
  async () => {
    // Always on a cluster of its own: Argo's CRDs name their kind Workflow too (short name wf), and
    // once installed on the suites' shared cluster, `kubectl get workflow` in every other suite
    // resolved to Argo's and found nothing.
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.KUBECONFIG;
    const [runs, steps] = [3, 4];
    const { stdout } = await execFileAsync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(REPO_ROOT, 'test', 'bench', 'argo.ts'),
        '--json',
        ...['--runs', String(runs), '--steps', String(steps), '--present', '6', '--rounds', '1'],
        ...['--controllers', 'argo-default,conveyor'],
      ],
      { cwd: REPO_ROOT, env, maxBuffer: 16 * 1024 * 1024, timeout: 1_800_000 },
    );
    const result = JSON.parse(stdout) as ArgoBenchResult;
    assert.match(result.load, /^\d+\.\d\d \d+\.\d\d \d+\.\d\d$/);
    const dag = benchDag(steps);
    const edges = runs * dag.deps.filter((d) => d.length > 0).length;
    for (const name of ['argo-default', 'conveyor'] as const) {
      const figures = result.controllers[name];
      assert.ok(figures, `${name} was measured`);
      const [round] = result.rounds[name] ?? [];
      assert.equal(
        round?.podToPodSamples,
        edges,
        `${name}: every dependent step's pod was seen after its dependencies'`,
      );
      assert.equal(round?.presentRuns, 6);
      for (const key of [
        'wallSeconds',
        'stepsPerSecond',
        'controllerRequestsPerStep',
        'allRequestsPerStep',
        'cpuMsPerStep',
        'rssWith1000MiB',
      ] as const) {
        assert.ok(figures[key] > 0, `${name}: ${key} is measured (${figures[key]})`);
      }
      assert.ok(
        figures.allRequestsPerStep > figures.controllerRequestsPerStep,
        `${name}: all clients' requests include the controller's`,
      );
      for (const key of ['podToPodMedianMs', 'podToPodP99Ms'] as const) {
        assert.ok(
          Number.isFinite(figures[key]) && figures[key] >= 0,
          `${name}: ${key} is measured (${figures[key]})`,
        );
      }
    }
    const conveyor = result.controllers.conveyor;
    assert.ok(Number.isFinite(conveyor?.jobToJobMedianMs), 'Conveyor: Job -> Job is measured');
  },
);
