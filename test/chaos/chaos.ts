// The chaos run: many concurrent runs (retries, failures, approvals) on the test control plane while
// faults are injected one after another (controller kill -9, single and with leader election, a frozen
// leader, API server restarts, Job deletions), then the execution log the steps wrote is judged.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { createKubeListWatch } from '../../src/kube/kube-list-watch.ts';
import { CREATED_BY_ANNOTATION, workflowResource } from '../../src/spec/crd/resources.ts';
import { ADMIN_USER, type TestCluster } from '../cluster/harness.ts';
import { installCrds } from '../cluster/install-crds.ts';
import { apply, createNamespace, kubectl, type KubectlOptions } from '../cluster/kubectl.ts';
import { healthy } from '../cluster/lib/readiness.ts';
import { pollUntil } from '../cluster/lib/wait.ts';
import { Fleet } from './fleet.ts';
import { judge, parseExecutionLog, type FinalRun, type Verdict } from './verdict.ts';
import {
  APPROVER,
  DELETABLE_STEP,
  GATED_STEP,
  planRuns,
  workflows,
  type Kind,
  type RunPlan,
} from './workload.ts';

export type FaultKind =
  'kill-controller' | 'kill-leader' | 'freeze-leader' | 'restart-apiserver' | 'delete-job' | 'orphan-job';

/** A fault to inject, or the switch from one controller to two with leader election. */
export type ChaosStep = FaultKind | 'leader-election';

export interface ChaosOptions {
  cluster: TestCluster;
  runs: number;
  steps: readonly ChaosStep[];
  /** Pause after each fault, while the runs go on. Default 4 s. */
  gapMs?: number;
  /** How long the API server stays down. Default 10 s. */
  apiDownMs?: number;
  /** How long a leader stays frozen: more than the 15 s lease, so a standby takes over. Default 20 s. */
  freezeMs?: number;
  /** Longest wait for the runs to finish after the last fault. Default 3 min. */
  settleMs?: number;
  log?: (line: string) => void;
}

export interface InjectedFault {
  kind: FaultKind;
  startedAt: number;
  endedAt: number;
  /** From the fault's end to the next change of any run's status (undefined: nothing was left to do). */
  progressAfterMs?: number;
  detail?: string;
}

export interface ChaosReport extends Verdict {
  faults: InjectedFault[];
  longestRecoveryMs: number;
  durationMs: number;
  controllerLog: string;
}

const RUNS_PATH = '/apis/conveyor.dev/v1alpha1/workflowruns';
const TERMINAL = new Set(['Succeeded', 'Failed', 'Cancelled']);

interface RunObject extends KubernetesObject {
  status?: FinalRun & { phase?: string };
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => {});
  const { cluster } = options;
  const began = Date.now();
  await installCrds(cluster.kubeconfig, { approvals: true });
  const ns = await createNamespace('chaos', cluster.kubeconfig);
  const target: KubectlOptions = { kubeconfig: cluster.kubeconfig, namespace: ns.name };
  await kubectl(
    ['create', 'rolebinding', 'approvers', '--clusterrole', 'conveyor-approver', '--user', APPROVER],
    target,
  );
  const approver: KubectlOptions = {
    kubeconfig: await cluster.kubeconfigFor(APPROVER),
    namespace: ns.name,
  };
  const work = mkdtempSync(join(tmpdir(), 'conveyor-chaos-'));
  const executionLog = join(work, 'executions.log');
  writeFileSync(executionLog, '');
  for (const document of Object.values(workflows())) {
    const wrapped = workflowResource(document, ns.name);
    if (!wrapped.ok) throw new Error(wrapped.message);
    await apply([wrapped.resource], target);
  }

  const fleet = new Fleet({
    kubeconfig: cluster.kubeconfig,
    namespace: ns.name,
    stepEnv: { CHAOS_LOG: executionLog },
  });
  await fleet.start(1);
  const plans: RunPlan[] = [];
  const byName = new Map<string, RunPlan>();
  const createdAt = new Map<string, number>();
  const watcher = new RunWatcher(cluster.kubeconfig, ns.name);
  const approvedAt = new Map<string, number>();
  const decided = new Set<string>();
  let approving = true;

  // The approver: decides each gated run a moment after it asks, through the API server as alice.
  const approvals = (async () => {
    while (approving) {
      for (const run of watcher.current()) {
        const name = run.metadata?.name ?? '';
        const plan = byName.get(name);
        if (!plan?.decision || decided.has(name) || run.status?.phase !== 'AwaitingApproval') continue;
        const at = Date.now();
        const patch = { spec: { approvals: { [GATED_STEP]: { [APPROVER]: { decision: plan.decision } } } } };
        const result = await kubectl(['patch', 'wfr', name, '--type=merge', '-p', JSON.stringify(patch)], {
          ...approver,
          allowFailure: true,
        });
        if (result.code !== 0) continue; // the API server may be away: try again later
        decided.add(name);
        if (plan.decision === 'approved') approvedAt.set(name, at);
      }
      await delay(500);
    }
  })();

  await watcher.start();
  let waves = 0;
  const createRuns = async (count: number, only?: Kind) => {
    const wave = planRuns(count, `chaos-w${++waves}`, only);
    await apply(
      wave.map((plan) => ({
        apiVersion: 'conveyor.dev/v1alpha1',
        kind: 'WorkflowRun',
        metadata: { name: plan.name, annotations: { [CREATED_BY_ANNOTATION]: ADMIN_USER } },
        spec: { workflowRef: { name: String(workflows()[plan.kind].name) } },
      })),
      target,
    );
    for (const plan of wave) {
      plans.push(plan);
      byName.set(plan.name, plan);
      createdAt.set(plan.name, Date.now());
    }
    log(`created ${wave.length} runs (${plans.length} in all)`);
    return wave;
  };
  log(`namespace ${ns.name}; execution log ${executionLog}`);
  await createRuns(options.runs);
  await delay(3_000);

  const faults: InjectedFault[] = [];
  const inject = async (kind: FaultKind, act: () => Promise<string | void>) => {
    const startedAt = Date.now();
    const detail = await act();
    const endedAt = Date.now();
    faults.push({ kind, startedAt, endedAt, ...(detail ? { detail } : {}) });
    log(`${kind}${detail ? ` (${detail})` : ''}: ${endedAt - startedAt} ms`);
  };

  try {
    const topUp = Math.max(4, Math.ceil(options.runs / 4));
    for (const step of options.steps) {
      // Every fault must meet work in flight: more runs when most have finished.
      if (watcher.unfinished(plans) < topUp) await createRuns(topUp);
      switch (step) {
        case 'leader-election':
          await fleet.start(2);
          log('now two replicas with leader election');
          continue;
        case 'kill-controller':
        case 'kill-leader':
          await inject(step, () => fleet.killLeader());
          break;
        case 'freeze-leader':
          await inject(step, () => fleet.freezeLeader(options.freezeMs ?? 20_000));
          break;
        case 'restart-apiserver':
          await inject(step, async () => {
            await cluster.stopComponent('kube-apiserver');
            await delay(options.apiDownMs ?? 10_000);
            cluster.restartComponent('kube-apiserver');
            await pollUntil(healthy(`${cluster.server}/readyz`, { ca: cluster.state.ca.cert }), {
              what: 'kube-apiserver to be ready again',
              timeoutMs: 120_000,
            });
          });
          break;
        case 'delete-job':
        case 'orphan-job': {
          // A run of its own, so that there is a running attempt to delete whatever else is going on.
          const [victim] = await createRuns(1, 'sturdy');
          const job = await runningJob(target, victim!.name);
          await inject(step, async () => {
            await kubectl(
              ['delete', 'job', job, '--wait=false', ...(step === 'orphan-job' ? ['--cascade=orphan'] : [])],
              target,
            );
            return job;
          });
          break;
        }
      }
      await delay(options.gapMs ?? 4_000);
    }
  } catch (error) {
    // A fault that could not be injected ends the chaos run: nothing it started may keep the test
    // process alive (the approver's loop, the run watcher, the controllers).
    approving = false;
    await approvals;
    await watcher.snapshot().catch(() => undefined);
    await fleet.stopAll();
    throw error;
  }

  const settleBy = Date.now() + (options.settleMs ?? 180_000);
  while (watcher.unfinished(plans) > 0 && Date.now() < settleBy) await delay(500);
  approving = false;
  await approvals;
  // A last look straight from the API server, once the watcher's own polling has ended.
  const finals = await watcher.snapshot();
  const controllerLog = fleet.log();
  await fleet.stopAll();
  const executions = parseExecutionLog(readFileSync(executionLog, 'utf8'));
  const verdict = judge(plans, finals, executions, approvedAt);

  const end = Date.now();
  for (const fault of faults) {
    const after = watcher.changes.find((t) => t > fault.endedAt);
    const busy = watcher.unfinishedAt(plans, createdAt, fault.endedAt) > 0;
    if (busy) fault.progressAfterMs = (after ?? end) - fault.endedAt;
  }
  await ns.remove();
  return {
    ...verdict,
    faults,
    longestRecoveryMs: Math.max(0, ...faults.map((f) => f.progressAfterMs ?? 0)),
    durationMs: end - began,
    controllerLog,
  };
}

/** The name of the Job of `run`'s `work` step once its pod runs. */
async function runningJob(target: KubectlOptions, run: string): Promise<string> {
  return pollUntil(
    async () => {
      // The pod, not the Job's status: the controller manages its Jobs and writes their status only
      // once the step has ended.
      const listed = await kubectl(
        ['get', 'pods', '-l', `conveyor.dev/run=${run},conveyor.dev/step=${DELETABLE_STEP}`, '-o', 'json'],
        target,
      );
      const pods = (
        JSON.parse(listed.stdout) as {
          items: { metadata: { labels?: Record<string, string> }; status?: { phase?: string } }[];
        }
      ).items;
      return pods.find((p) => p.status?.phase === 'Running')?.metadata.labels?.[
        'batch.kubernetes.io/job-name'
      ];
    },
    { what: `the ${DELETABLE_STEP} Job of ${run} to run`, timeoutMs: 90_000, intervalMs: 300 },
  );
}

/**
 * Lists the runs twice a second straight from the API server (errors while it is away are ignored)
 * and remembers when any run's status changed: the progress clock of the chaos run.
 */
class RunWatcher {
  readonly changes: number[] = [];
  private readonly seen = new Map<string, string>();
  private readonly phases = new Map<string, { at: number; phase?: string }[]>();
  private latest: RunObject[] = [];
  private running = true;
  private loop: Promise<void> | undefined;
  private readonly list;

  constructor(kubeconfig: string, namespace: string) {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    this.list = createKubeListWatch<RunObject>(kc, { path: RUNS_PATH, namespace }).list;
  }

  async start(): Promise<void> {
    await this.poll();
    this.loop = (async () => {
      while (this.running) {
        await delay(500);
        await this.poll().catch(() => undefined);
      }
    })();
  }

  current(): RunObject[] {
    return this.latest;
  }

  unfinished(plans: readonly RunPlan[]): number {
    const phases = new Map(this.latest.map((r) => [r.metadata?.name, r.status?.phase]));
    return plans.filter((p) => !TERMINAL.has(phases.get(p.name) ?? '')).length;
  }

  /** Runs created by `at` and not finished then, by the phases seen until then. */
  unfinishedAt(plans: readonly RunPlan[], created: ReadonlyMap<string, number>, at: number): number {
    return plans.filter((p) => {
      if ((created.get(p.name) ?? Infinity) > at) return false;
      const history = (this.phases.get(p.name) ?? []).filter((h) => h.at <= at);
      return !TERMINAL.has(history.at(-1)?.phase ?? '');
    }).length;
  }

  /** Stops polling, then lists once more. */
  async snapshot(): Promise<Map<string, FinalRun>> {
    this.running = false;
    await this.loop;
    await pollUntil(() => this.poll().then(() => true), { what: 'listing the runs', timeoutMs: 60_000 });
    return new Map(
      this.latest.map((r) => [
        r.metadata?.name ?? '',
        { name: r.metadata?.name ?? '', phase: r.status?.phase, steps: r.status?.steps },
      ]),
    );
  }

  private async poll(): Promise<void> {
    const { items } = await this.list({ signal: AbortSignal.timeout(10_000) });
    const now = Date.now();
    let changed = false;
    for (const run of items) {
      const name = run.metadata?.name ?? '';
      const status = JSON.stringify(run.status ?? {});
      if (this.seen.get(name) !== status) {
        changed ||= this.seen.has(name) || run.status !== undefined;
        this.seen.set(name, status);
        this.phases.set(name, [...(this.phases.get(name) ?? []), { at: now, phase: run.status?.phase }]);
      }
    }
    this.latest = items;
    if (changed) this.changes.push(now);
  }
}
