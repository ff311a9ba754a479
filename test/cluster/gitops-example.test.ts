// The GitOps example of gitops/examples on a real control plane, driven by the commands its
// README shows (read from the README, so the page and the test cannot drift apart): the manifests
// are applied with `kubectl apply --server-side -k` as Argo CD's and Flux's service accounts would
// apply them, with no creator written in them (the created-by admission policy records the tool's
// account), the run stops for approval, Argo CD's health check (installed in an argocd-cm the way
// the page says, and run by Lua 5.1 as Argo CD runs it) and kstatus (as Flux reads it) are computed
// on the live run at each stage, people approve with the documented kubectl patch and kubectl plugin
// while the admission policy refuses impostors and non-approvers, and the run succeeds.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { evaluateHealth, hasLua } from '../unit/gitops/lua-health.ts';
import { REPO_ROOT } from './harness.ts';
import { createNamespace, getObject, kubectl } from './kubectl.ts';
import type { KubectlOptions } from './kubectl.ts';
import { pollUntil } from './lib/wait.ts';
import { startController } from './controller-process.ts';
import type { ControllerProcess } from './controller-process.ts';
import { useCluster } from './use-cluster.ts';
import { installCrds } from './install-crds.ts';
import {
  installScopedPolicies,
  waitForCreatedByPolicy,
  waitForStepObjectsPolicy,
  type ScopedPolicies,
} from './scoped-policies.ts';
import { waitForRun as waitForRunIn } from './lib/wait-for-run.ts';

const suite = await useCluster();
const lua = hasLua();
const noLua = lua ? false : process.env.CI ? false : 'lua5.1 is not installed (apt-get install lua5.1)';

const PAGE = join(REPO_ROOT, 'gitops', 'examples', 'README.md');
const RUN = 'db-migrate-v2-1-0';
const STEP = 'apply_migrations';
const APPROVERS_GROUP = 'release-managers';
const ARGOCD = 'system:serviceaccount:argocd:argocd-application-controller';
const FLUX = 'system:serviceaccount:flux-system:kustomize-controller';

/** Who the API server recorded as the run's creator. */
async function creatorOf(target: KubectlOptions): Promise<string | undefined> {
  const run = await getObject<{ metadata: { annotations?: Record<string, string> } }>(
    'workflowrun',
    RUN,
    target,
  );
  return run?.metadata.annotations?.['conveyor.dev/created-by'];
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

interface Run {
  metadata: { name: string; generation?: number; deletionTimestamp?: string };
  status?: {
    phase?: string;
    observedGeneration?: number;
    conditions?: Condition[];
    approvals?: Record<
      string,
      {
        users?: string[];
        groups?: string[];
        decided?: Record<string, { decision: string; comment?: string }>;
      }
    >;
  };
}

/**
 * The shell commands of the page's ```sh blocks (continuation lines joined) that start with
 * `prefix`; exactly one must.
 */
function documented(prefix: string): string {
  const text = readFileSync(PAGE, 'utf8');
  const commands = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((block) =>
    block[1]!
      .replace(/\\\n\s*/g, '')
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean),
  );
  const found = commands.filter((c) => c.startsWith(prefix));
  assert.equal(found.length, 1, `exactly one command of ${PAGE} starts with ${prefix}: ${found.join(' | ')}`);
  return found[0]!;
}

interface ShellResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command with sh, from the repository; with `ns`, in that namespace instead of the page's
 * (`-n shop`, `-n argocd`).
 */
function sh(command: string, ns: string | undefined, env: NodeJS.ProcessEnv): Promise<ShellResult> {
  const inNamespace = ns === undefined ? command : command.replace(/ -n (shop|argocd)\b/g, ` -n ${ns}`);
  if (ns !== undefined) assert.notEqual(inNamespace, command, `the command names a namespace: ${command}`);
  return new Promise((resolve) => {
    execFile(
      'sh',
      ['-c', inNamespace],
      { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const explain = (r: ShellResult): string =>
  `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

/**
 * What Flux's health check makes of an object without healthCheckExprs: kstatus's generic rules
 * (sigs.k8s.io/cli-utils/pkg/kstatus/status: checkGenericProperties, then the Ready condition, then
 * "Current" for anything else).
 */
function kstatus(object: Run): 'Terminating' | 'InProgress' | 'Failed' | 'Current' {
  if (object.metadata.deletionTimestamp) return 'Terminating';
  const generation = object.metadata.generation;
  const observed = object.status?.observedGeneration ?? generation;
  if (observed !== generation) return 'InProgress';
  const conditions = object.status?.conditions ?? [];
  if (conditions.some((c) => c.type === 'Reconciling' && c.status === 'True')) return 'InProgress';
  if (conditions.some((c) => c.type === 'Stalled' && c.status === 'True')) return 'Failed';
  const ready = conditions.find((c) => c.type === 'Ready');
  if (ready) return ready.status === 'True' ? 'Current' : 'InProgress';
  return 'Current';
}

describe('the GitOps example', suite.options, () => {
  const work = mkdtempSync(join(tmpdir(), 'conveyor-gitops-'));
  let argoNs: { name: string; remove: () => Promise<void> };
  let fluxNs: { name: string; remove: () => Promise<void> };
  let controller: ControllerProcess | undefined;
  let createdBy: ScopedPolicies | undefined;

  before(async () => {
    const { kubeconfig } = suite.get();
    // What the chart installs besides the controller: the CRDs, the admission policies and the
    // approver role (the created-by and step-objects policies bound to this suite's namespaces only:
    // other suites test clusters without them).
    await installCrds(kubeconfig, { approvals: true });
    argoNs = await createNamespace('gitops-argocd', kubeconfig);
    fluxNs = await createNamespace('gitops-flux', kubeconfig);
    createdBy = await installScopedPolicies(
      kubeconfig,
      ['created-by-policy.yaml', 'step-objects-policy.yaml'],
      [argoNs.name, fluxNs.name],
    );
    await waitForCreatedByPolicy(kubeconfig, argoNs.name);
    await waitForStepObjectsPolicy(kubeconfig, argoNs.name);
    controller = startController({ kubeconfig, namespace: `${argoNs.name},${fluxNs.name}` });
  });

  after(async () => {
    await createdBy?.remove();
    await controller?.stop();
    await argoNs?.remove();
    await fluxNs?.remove();
  });

  const waitForRun = (target: KubectlOptions, what: string, ok: (run: Run) => boolean, timeoutMs?: number) =>
    waitForRunIn<Run>(RUN, ok, target, () => controller?.log() ?? '', { timeoutMs, what });

  /** A kubeconfig for a release manager (or, with other groups, someone else). */
  const person = async (user: string, groups = [APPROVERS_GROUP]): Promise<NodeJS.ProcessEnv> => ({
    KUBECONFIG: await suite.get().kubeconfigFor(user, groups),
  });

  test(
    'Argo CD: the run synced as a hook waits Suspended for approval, and the documented patch makes it Healthy',
    {
      skip: noLua,
    },
    async () => {
      const admin = { KUBECONFIG: suite.get().kubeconfig };
      const ns = argoNs.name;
      const target = { kubeconfig: suite.get().kubeconfig, namespace: ns };

      // Argo CD's own argocd-cm, then the page's patch that installs our health checks into it.
      await kubectl(['create', 'configmap', 'argocd-cm'], target);
      const patched = await sh(documented('kubectl -n argocd patch configmap argocd-cm'), ns, admin);
      assert.equal(patched.code, 0, explain(patched));
      const cm = await getObject<{ data: Record<string, string> }>('configmap', 'argocd-cm', target);
      const healthOf = (kind: 'WorkflowRun' | 'Workflow', object: unknown) => {
        const file = join(work, `${kind}.lua`);
        const code = cm?.data[`resource.customizations.health.conveyor.dev_${kind}`];
        assert.ok(code, `argocd-cm has the ${kind} health check`);
        writeFileSync(file, code);
        return evaluateHealth(file, object);
      };

      const apply = documented('kubectl apply --server-side -k gitops/examples/argocd/shop');
      const granted = await sh(
        documented('kubectl create rolebinding argocd-application-controller'),
        ns,
        admin,
      );
      assert.equal(granted.code, 0, explain(granted));
      const applied = await sh(apply, ns, admin);
      assert.equal(applied.code, 0, explain(applied));
      assert.match(applied.stdout, new RegExp(`workflowrun.conveyor.dev/${RUN} serverside-applied`));
      // The manifest names no creator: the API server recorded Argo CD's account.
      assert.equal(await creatorOf(target), ARGOCD);

      // Wave 0: the Workflow turns Healthy once validated.
      const workflow = await pollUntil(
        async () => {
          const wf = await getObject<{ status?: { conditions?: Condition[] } }>(
            'workflow',
            'db-migrate',
            target,
          );
          return wf?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
            ? wf
            : undefined;
        },
        { what: 'Workflow db-migrate Ready', timeoutMs: 60_000 },
      );
      assert.equal(healthOf('Workflow', workflow).status, 'Healthy');

      // Wave 1: the hook waits for approval; Argo CD sees it Suspended, and so keeps the sync running.
      const waiting = await waitForRun(
        target,
        'awaiting approval',
        (r) => r.status?.phase === 'AwaitingApproval',
      );
      assert.deepEqual(healthOf('WorkflowRun', waiting), {
        status: 'Suspended',
        message: `Waiting for approval of ${STEP}.`,
      });
      assert.deepEqual(waiting.status?.approvals?.[STEP]?.groups, [APPROVERS_GROUP]);
      // Just after an approval, before the controller has seen the new generation: still waiting.
      const unseen = {
        ...waiting,
        metadata: { ...waiting.metadata, generation: (waiting.metadata.generation ?? 1) + 1 },
      };
      assert.deepEqual(healthOf('WorkflowRun', unseen), {
        status: 'Progressing',
        message: 'The controller has not seen the latest spec yet',
      });
      // Just after Argo CD created it, before the controller wrote any status: still waiting.
      assert.deepEqual(healthOf('WorkflowRun', { ...waiting, status: undefined }), {
        status: 'Progressing',
        message: 'Waiting for the Conveyor controller',
      });

      // The key is your user name as the API server sees it.
      const alice = await person('alice');
      const whoami = await sh(
        `kubectl auth whoami -o jsonpath='{.status.userInfo.username}'`,
        undefined,
        alice,
      );
      assert.equal(whoami.stdout, 'alice', explain(whoami));

      const patch = documented(`kubectl patch workflowrun ${RUN}`);
      assert.match(patch, /"alice":\{"decision":"approved"/);
      // Nobody approves in someone else's name...
      const impostor = await sh(patch.replace('"alice"', '"bob"'), ns, alice);
      assert.notEqual(impostor.code, 0, explain(impostor));
      assert.match(
        impostor.stderr,
        new RegExp(`approval for step ${STEP} must be keyed by your user name alice, not bob`),
      );
      // ...and someone allowed to patch runs but not in the step's approvers cannot approve at all.
      await kubectl(
        ['create', 'rolebinding', 'carol-patches-runs', '--clusterrole=conveyor-approver', '--user=carol'],
        target,
      );
      const carol = await sh(patch.replace('"alice"', '"carol"'), ns, await person('carol', ['developers']));
      assert.notEqual(carol.code, 0, explain(carol));
      assert.match(
        carol.stderr,
        new RegExp(
          `carol may not approve step ${STEP}: the approvers are users \\[\\] and groups \\[${APPROVERS_GROUP}\\]`,
        ),
      );

      const approved = await sh(patch, ns, alice);
      assert.equal(approved.code, 0, explain(approved));
      const done = await waitForRun(target, 'succeeded', (r) => r.status?.phase === 'Succeeded');
      assert.deepEqual(healthOf('WorkflowRun', done), {
        status: 'Healthy',
        message: 'Succeeded (3/3 steps)',
      });
      const decidedByAlice = done.status?.approvals?.[STEP]?.decided?.alice;
      assert.equal(decidedByAlice?.decision, 'approved');
      assert.equal(decidedByAlice?.comment, 'schema reviewed');
      // Wave 2 of the same folder (kubectl applies all waves at once): the Deployment exists.
      assert.ok(await getObject('deployment', 'shop-api', target));
    },
  );

  test('Flux: kstatus reads the run InProgress while it waits for approval, and Current once the plugin approved it', async () => {
    const admin = { KUBECONFIG: suite.get().kubeconfig };
    const ns = fluxNs.name;
    const target = { kubeconfig: suite.get().kubeconfig, namespace: ns };

    const granted = await sh(documented('kubectl create rolebinding kustomize-controller'), ns, admin);
    assert.equal(granted.code, 0, explain(granted));
    const applied = await sh(
      documented('kubectl apply --server-side -k gitops/examples/flux/shop-db'),
      ns,
      admin,
    );
    assert.equal(applied.code, 0, explain(applied));
    assert.equal(await creatorOf(target), FLUX);

    const waiting = await waitForRun(
      target,
      'awaiting approval',
      (r) => r.status?.phase === 'AwaitingApproval',
    );
    assert.equal(kstatus(waiting), 'InProgress');
    assert.equal(
      kstatus({
        ...waiting,
        metadata: { ...waiting.metadata, generation: (waiting.metadata.generation ?? 1) + 1 },
      }),
      'InProgress',
    );
    // kstatus's gap that the page's healthCheckExprs close: a run without status yet reads Current.
    assert.equal(kstatus({ ...waiting, status: undefined }), 'Current');
    const reconciling = waiting.status?.conditions?.find((c) => c.type === 'Reconciling');
    assert.equal(reconciling?.status, 'True');
    assert.equal(reconciling?.reason, 'AwaitingApproval');

    // `kubectl conveyor`: the CLI as a kubectl plugin on PATH.
    const plugins = join(work, 'plugins');
    mkdirSync(plugins, { recursive: true });
    symlinkSync(join(REPO_ROOT, 'bin', 'conveyor.js'), join(plugins, 'kubectl-conveyor'));
    const bob = {
      ...(await person('bob')),
      PATH: `${plugins}:${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    };
    const approved = await sh(documented(`kubectl conveyor approve ${RUN}`), ns, bob);
    assert.equal(approved.code, 0, explain(approved));
    assert.match(approved.stdout, new RegExp(`Approved ${STEP} of ${RUN} as bob`));

    const waited = await sh(documented(`kubectl wait --for=condition=Ready workflowrun/${RUN}`), ns, bob);
    assert.equal(waited.code, 0, explain(waited));
    const done = await waitForRun(target, 'succeeded', (r) => r.status?.phase === 'Succeeded');
    assert.equal(kstatus(done), 'Current');
    const decidedByBob = done.status?.approvals?.[STEP]?.decided?.bob;
    assert.equal(decidedByBob?.decision, 'approved');
    assert.equal(decidedByBob?.comment, 'schema reviewed');

    // shop-api's dependsOn is satisfied now: its folder applies as the page says.
    const api = await sh(
      documented('kubectl apply --server-side -k gitops/examples/flux/shop-api'),
      ns,
      admin,
    );
    assert.equal(api.code, 0, explain(api));
    assert.ok(await getObject('deployment', 'shop-api', target));
  });
});
