// The Helm chart's RBAC on a real control plane: the chart rendered by `helm template` and applied
// with `kubectl apply --server-side`, then the controller started as a local process with a
// kubeconfig holding a token of the chart's ServiceAccount — so it has exactly the chart's rights and
// nothing else — runs a seed workflow to Succeeded (the rules suffice), and after the Role loses
// one rule (create on jobs) a new run makes no progress and the controller reports Forbidden (the
// rule was needed). The chart is rendered watching one namespace, so the Roles path (RoleBinding in
// the watched namespace, Lease Role in the release namespace) is what is proven.
// The Deployment is applied with replicas 0 (no controller image exists in the test cluster); the
// cluster-scoped approval policy and approver role are left out because other suites share them; the
// step-objects policy is bound in the watched namespace only.
// CONVEYOR_IMAGE_DIR=<folder from scripts/build-image.sh> runs the controller from that folder (the
// image's compiled JavaScript and production dependencies, NODE_ENV=production) instead of the
// checkout, so CI proves what the image runs works against the cluster under the chart's RBAC.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { CREATED_BY_ANNOTATION, workflowResource } from '../../src/spec/crd/resources.ts';
import { CHART_DIR, findHelm } from '../helm/helm-binary.ts';
import { ADMIN_USER, REPO_ROOT } from './harness.ts';
import { apply, createNamespace, getObject, kubectl, listObjects } from './kubectl.ts';
import type { KubectlOptions } from './kubectl.ts';
import { pollUntil } from './lib/wait.ts';
import { startController } from './controller-process.ts';
import type { ControllerProcess } from './controller-process.ts';
import { installScopedPolicies, waitForStepObjectsPolicy, type ScopedPolicies } from './scoped-policies.ts';
import { useCluster } from './use-cluster.ts';

const suite = await useCluster();
const helmBinary = suite.options.skip ? { skip: suite.options.skip } : findHelm();
const skip = suite.options.skip || helmBinary.skip;
const imageDir = process.env.CONVEYOR_IMAGE_DIR;

interface Run {
  status?: { phase?: string; conditions?: { type: string; status: string; message?: string }[] };
}
interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

describe('the Helm chart RBAC on a real cluster', { skip }, () => {
  let release: { name: string; remove: () => Promise<void> };
  let watched: { name: string; remove: () => Promise<void> };
  let admin: KubectlOptions;
  let saKubeconfig: string;
  let controller: ControllerProcess | undefined;
  let stepObjects: ScopedPolicies | undefined;
  const controllerLog = (): string => controller?.log() ?? '';
  const work = mkdtempSync(join(tmpdir(), 'conveyor-helm-chart-'));

  // The same flags the chart's Deployment passes, with the ServiceAccount's kubeconfig.
  const launch = (): ControllerProcess =>
    startController({
      kubeconfig: saKubeconfig,
      namespace: watched.name,
      args: ['--leader-elect', `--lease-namespace=${release.name}`, '--lease-name=conveyor-controller'],
      stepEnv: { SYSCTL_LOG: join(work, 'calls.log'), SYSCTL_DELAY_MS: '50' },
      env: { POD_NAME: 'helm-chart-test', ...(imageDir ? { NODE_ENV: 'production' } : {}) },
      ...(imageDir ? { root: imageDir } : {}),
    });

  before(async () => {
    const cluster = suite.get();
    admin = { kubeconfig: cluster.kubeconfig };
    release = await createNamespace('helm-release', cluster.kubeconfig);
    watched = await createNamespace('helm-runs', cluster.kubeconfig);
    const rendered = execFileSync(
      helmBinary.helm!,
      [
        'template',
        'conveyor',
        CHART_DIR,
        '--namespace',
        release.name,
        '--include-crds',
        '--set',
        `watchNamespaces={${watched.name}},replicas=0,approvalPolicy.enabled=false,approverRole.enabled=false,stepObjectsPolicy.enabled=false`,
      ],
      { encoding: 'utf8' },
    );
    const objects = parseAllDocuments(rendered)
      .map((d) => d.toJS() as { kind: string } | null)
      .filter((o) => o !== null);
    // --force-conflicts: other suites apply the same CRDs client-side; we take over their fields.
    await kubectl(
      ['apply', '--server-side', '--force-conflicts', '--field-manager=helm-chart-test', '-f', '-'],
      {
        ...admin,
        input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
      },
    );
    await kubectl(
      [
        'wait',
        '--for=condition=Established',
        'crd/workflows.conveyor.dev',
        'crd/workflowruns.conveyor.dev',
        '--timeout=60s',
      ],
      admin,
    );

    // A kubeconfig that is the chart's ServiceAccount: the admin's server and CA, a token of the SA.
    const token = (
      await kubectl(['create', 'token', 'conveyor', '-n', release.name, '--duration=1h'], admin)
    ).stdout.trim();
    const config = parse(
      (await kubectl(['config', 'view', '--raw', '--minify', '--flatten'], admin)).stdout,
    ) as { users: { name: string; user: Record<string, unknown> }[] };
    config.users = config.users.map((u) => ({ name: u.name, user: { token } }));
    saKubeconfig = join(work, 'conveyor-sa.kubeconfig');
    writeFileSync(saKubeconfig, stringify(config), { mode: 0o600 });
    const whoami = await kubectl(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], {
      kubeconfig: saKubeconfig,
    });
    assert.equal(whoami.stdout, `system:serviceaccount:${release.name}:conveyor`);

    const document = parse(
      readFileSync(join(REPO_ROOT, 'examples', 'basic-deployment.yaml'), 'utf8'),
    ) as Record<string, unknown>;
    const workflow = workflowResource({ ...document, name: 'basic-deployment' }, watched.name);
    assert.ok(workflow.ok);
    await apply([workflow.resource], { ...admin, namespace: watched.name });
    // The step-objects policy as shipped, bound in the watched namespace only: the controller's steps
    // pass it with the chart's rights alone (its role holds the verb run-steps).
    stepObjects = await installScopedPolicies(admin.kubeconfig, ['step-objects-policy.yaml'], [watched.name]);
    await waitForStepObjectsPolicy(admin.kubeconfig, watched.name);
    controller = launch();
  });

  after(async () => {
    await controller?.stop();
    await stepObjects?.remove();
    await watched?.remove();
    await release?.remove();
  });

  async function createRun(name: string): Promise<void> {
    await apply(
      [
        {
          apiVersion: 'conveyor.dev/v1alpha1',
          kind: 'WorkflowRun',
          metadata: { name, namespace: watched.name, annotations: { [CREATED_BY_ANNOTATION]: ADMIN_USER } },
          spec: { workflowRef: { name: 'basic-deployment' }, parameters: { environment: 'staging' } },
        },
      ],
      { ...admin, namespace: watched.name },
    );
  }

  const describeRun = async (name: string) =>
    `${JSON.stringify(await getObject('workflowrun', name, { ...admin, namespace: watched.name }), null, 2)}\n` +
    `--- controller log (tail) ---\n${controllerLog().slice(-4000)}`;

  test("a seed workflow runs to Succeeded with only the chart's ServiceAccount rights", async () => {
    await createRun('helm-ok');
    const run = await pollUntil(
      async () => {
        const r = await getObject<Run>('workflowrun', 'helm-ok', { ...admin, namespace: watched.name });
        return r?.status?.phase === 'Succeeded' ? r : undefined;
      },
      {
        what: 'run helm-ok Succeeded',
        timeoutMs: 120_000,
        intervalMs: 500,
        describe: () => describeRun('helm-ok'),
      },
    );
    assert.equal(run.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    // It led: the Lease in the release namespace names this process.
    const lease = await getObject<{ spec: { holderIdentity?: string } }>('lease', 'conveyor-controller', {
      ...admin,
      namespace: release.name,
    });
    assert.match(lease?.spec.holderIdentity ?? '', /^helm-chart-test_/);
    assert.doesNotMatch(controllerLog(), /forbidden/i, 'no request of the controller was refused');
  });

  test("a schedule starts runs with the chart's rights, as their recorded creator under the approval policy", async () => {
    // The shared policy (other suites apply the same file) refuses a run whose created-by annotation
    // is not its creator: the controller must record its own ServiceAccount.
    await kubectl(
      ['apply', '--server-side', '--force-conflicts', '-f', join(REPO_ROOT, 'crds', 'approval-policy.yaml')],
      admin,
    );
    const where = { ...admin, namespace: watched.name };
    const wrapped = workflowResource(
      {
        name: 'scheduled',
        steps: [{ name: 'tick', command: 'echo tick' }],
        schedules: [{ name: 'every-2s', cron: '*/2 * * * * *' }],
      },
      watched.name,
    );
    assert.ok(wrapped.ok);
    await apply([wrapped.resource], where);
    const run = await pollUntil(
      async () =>
        (
          await listObjects<Run & { metadata: { annotations?: Record<string, string> } }>(
            'workflowruns',
            'conveyor.dev/schedule=every-2s',
            where,
          )
        ).find((r) => r.status?.phase === 'Succeeded'),
      {
        what: 'a scheduled run to succeed',
        timeoutMs: 60_000,
        intervalMs: 500,
        describe: () => `--- controller log (tail) ---\n${controllerLog().slice(-4000)}`,
      },
    );
    assert.equal(
      run.metadata.annotations?.['conveyor.dev/created-by'],
      `system:serviceaccount:${release.name}:conveyor`,
    );
    await kubectl(['delete', 'workflow', 'scheduled'], where);
    assert.doesNotMatch(controllerLog(), /forbidden/i, 'no request of the controller was refused');
  });

  test('the default render (all namespaces, admission policies, dashboard) is accepted by the API server', async () => {
    // Server-side dry run: the API server validates every object (schemas, the policy's CEL) and
    // stores nothing, so the cluster-scoped objects other suites share are left alone.
    const rendered = execFileSync(
      helmBinary.helm!,
      [
        'template',
        'conveyor',
        CHART_DIR,
        '--namespace',
        release.name,
        '--set',
        'grafanaDashboard.enabled=true',
        // As `helm install` renders against a Kubernetes 1.36+ API server: with the created-by policy.
        '--api-versions',
        'admissionregistration.k8s.io/v1/MutatingAdmissionPolicy',
      ],
      { encoding: 'utf8' },
    );
    const result = await kubectl(
      // --force-conflicts: other suites may have applied the shared approval policy with another field manager.
      [
        'apply',
        '--server-side',
        '--force-conflicts',
        '--dry-run=server',
        '--field-manager=helm-chart-test',
        '-f',
        '-',
      ],
      {
        ...admin,
        input: rendered,
      },
    );
    for (const kind of [
      'clusterrole',
      'deployment',
      'poddisruptionbudget',
      'validatingadmissionpolicy',
      'mutatingadmissionpolicy',
      'mutatingadmissionpolicybinding',
      'configmap',
    ]) {
      assert.match(
        result.stdout,
        new RegExp(`^${kind}[./]\\S* serverside-applied \\(server dry run\\)$`, 'm'),
        result.stdout,
      );
    }
  });

  test("the controller pod passes the 'restricted' Pod Security Standard", async () => {
    // The release namespace enforces `restricted`; a Pod made from the Deployment's template is
    // created there (dry run): Pod Security admission refuses it if any setting falls short.
    await kubectl(
      ['label', 'namespace', release.name, 'pod-security.kubernetes.io/enforce=restricted', '--overwrite'],
      admin,
    );
    const deployment = await getObject<{ spec: { template: { metadata: object; spec: object } } }>(
      'deployment',
      'conveyor',
      { ...admin, namespace: release.name },
    );
    assert.ok(deployment);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { ...deployment.spec.template.metadata, name: 'conveyor-pss-check', namespace: release.name },
      spec: deployment.spec.template.spec,
    };
    const result = await kubectl(['create', '--dry-run=server', '-f', '-'], {
      ...admin,
      input: JSON.stringify(pod),
      allowFailure: true,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /violate/i, result.stderr);
    // And the namespace really enforces: the same pod without its security contexts is refused.
    const {
      securityContext: _pod,
      containers,
      ...rest
    } = pod.spec as {
      securityContext: unknown;
      containers: { securityContext: unknown }[];
    };
    const bare = {
      ...pod,
      spec: { ...rest, containers: containers.map(({ securityContext: _c, ...c }) => c) },
    };
    const refused = await kubectl(['create', '--dry-run=server', '-f', '-'], {
      ...admin,
      input: JSON.stringify(bare),
      allowFailure: true,
    });
    assert.notEqual(refused.code, 0, 'a pod without security contexts was admitted');
    assert.match(refused.stderr, /violates PodSecurity "restricted/);
  });

  test('without create on jobs, a run makes no progress and the controller reports Forbidden', async () => {
    const target = { ...admin, namespace: watched.name };
    const role = await getObject<{ rules: Rule[] }>('role', 'conveyor-controller', target);
    assert.ok(role);
    const jobsRule = role.rules.find((r) => r.apiGroups.includes('batch') && r.resources.includes('jobs'));
    assert.ok(jobsRule !== undefined && jobsRule.verbs.includes('create'), JSON.stringify(role.rules));
    jobsRule.verbs = jobsRule.verbs.filter((v) => v !== 'create');
    await kubectl(['replace', '-f', '-'], { ...target, input: JSON.stringify(role) });
    // The API server's RBAC authorizer learns of the change through a watch, a moment later: wait
    // until the ServiceAccount really lost the right, so the run below cannot race it.
    await pollUntil(
      async () => {
        const can = await kubectl(['auth', 'can-i', 'create', 'jobs.batch', '-n', watched.name], {
          kubeconfig: saKubeconfig,
          allowFailure: true,
        });
        return can.stdout.trim() === 'no' ? true : undefined;
      },
      { what: 'jobs create revoked', timeoutMs: 30_000, intervalMs: 300 },
    );
    const logBefore = controllerLog().length;
    await createRun('helm-forbidden');
    // The refusal names the missing right: `jobs.batch is forbidden: … cannot create resource "jobs"`.
    const refusal = (line: string) => /forbidden/i.test(line) && /create/.test(line) && /jobs/.test(line);
    await pollUntil(
      async () => (controllerLog().slice(logBefore).split('\n').some(refusal) ? true : undefined),
      {
        what: 'a Forbidden on jobs create in the controller log',
        timeoutMs: 60_000,
        intervalMs: 500,
        describe: () => describeRun('helm-forbidden'),
      },
    );
    const run = await getObject<Run>('workflowrun', 'helm-forbidden', target);
    assert.notEqual(run?.status?.phase, 'Succeeded', await describeRun('helm-forbidden'));
    assert.deepEqual(await listObjects('jobs', 'conveyor.dev/run=helm-forbidden', target), []);
  });
});
