// The committed crds/ on a real API server: the CRDs install, accept every seed workflow, refuse
// malformed ones naming the field, enforce a run's immutability rules, and the approval policy lets
// only allowed people approve, each under their own name.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { CREATED_BY_ANNOTATION, workflowResource } from '../../src/spec/crd/resources.ts';
import { ADMIN_USER, REPO_ROOT } from './harness.ts';
import { apply, createNamespace, getObject, kubectl, waitFor, type KubectlOptions } from './kubectl.ts';
import { useCluster } from './use-cluster.ts';

const suite = await useCluster();
const CRD_FILES = ['conveyor.dev_workflows.yaml', 'conveyor.dev_workflowruns.yaml'].map((f) =>
  join(REPO_ROOT, 'crds', f),
);
const SEEDS = readdirSync(join(REPO_ROOT, 'examples')).filter((f) => f.endsWith('.yaml'));

type Target = { kubeconfig: string; namespace: string };
type Namespace = { name: string; remove: () => Promise<void> };

interface Crd {
  status?: { conditions?: { type: string; status: string }[] };
}

function seedResource(file: string, namespace: string) {
  const document = parse(readFileSync(join(REPO_ROOT, 'examples', file), 'utf8')) as Record<string, unknown>;
  const wrapped = workflowResource(document, namespace);
  assert.ok(wrapped.ok, wrapped.ok ? '' : wrapped.message);
  return wrapped.resource;
}

/** Runs kubectl expecting a refusal; returns what the API server said. */
async function refused(args: string[], options: KubectlOptions): Promise<string> {
  const result = await kubectl(args, { ...options, allowFailure: true });
  assert.notEqual(
    result.code,
    0,
    `expected kubectl ${args.join(' ')} to be refused; it said ${result.stdout}`,
  );
  return result.stderr;
}

const mergePatch = (kind: string, name: string, patch: object, extra: string[] = []) => [
  'patch',
  kind,
  name,
  '--type=merge',
  ...extra,
  '-p',
  JSON.stringify(patch),
];

const approve = (step: string, user: string, decision = 'approved') =>
  mergePatch('wfr', 'release', { spec: { approvals: { [step]: { [user]: { decision } } } } });

async function whoAmI(kubeconfig: string): Promise<string> {
  const result = await kubectl(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], {
    kubeconfig,
  });
  return result.stdout.trim();
}

async function installCrds(kubeconfig: string): Promise<void> {
  // Client-side apply on purpose: it proves each CRD fits in the 256 KiB last-applied annotation.
  await kubectl(['apply', ...CRD_FILES.flatMap((f) => ['-f', f])], { kubeconfig });
  for (const name of ['workflows.conveyor.dev', 'workflowruns.conveyor.dev']) {
    await waitFor(
      `CRD ${name} to be Established`,
      async () => {
        const crd = await getObject<Crd>('crd', name, { kubeconfig });
        return crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
      },
      { resources: `crd/${name}`, options: { kubeconfig } },
    );
  }
}

describe('the Conveyor CRDs', suite.options, () => {
  let namespace: Namespace;
  let admin: Target;
  let adminName: string;

  const run = (name: string, spec: object) => ({
    apiVersion: 'conveyor.dev/v1alpha1',
    kind: 'WorkflowRun',
    metadata: { name, annotations: { [CREATED_BY_ANNOTATION]: adminName } },
    spec,
  });

  before(async () => {
    const { kubeconfig } = suite.get();
    await installCrds(kubeconfig);
    namespace = await createNamespace('crds', kubeconfig);
    admin = { kubeconfig, namespace: namespace.name };
    adminName = await whoAmI(kubeconfig);
  });
  after(() => namespace?.remove());

  test('are Established and answer to their short names', async () => {
    await kubectl(['get', 'wf,wfr'], admin);
    await kubectl(['get', 'conveyor'], admin);
  });

  for (const file of SEEDS) {
    test(`accept the seed ${file} as a Workflow with kubectl apply --server-side, unchanged`, async () => {
      const resource = seedResource(file, namespace.name);
      await kubectl(['apply', '--server-side', '-f', '-'], { ...admin, input: JSON.stringify(resource) });
      const stored = await getObject<{ spec: unknown }>('workflow', resource.metadata.name, admin);
      assert.deepEqual(stored?.spec, JSON.parse(JSON.stringify(resource.spec)), 'nothing was pruned');
    });
  }

  test('show a new object as not yet observed (status.observedGeneration 0), so kstatus waits for the controller', async () => {
    // No controller watches this namespace: what is read back is the API server's default alone.
    const wrapped = seedResource('basic-deployment.yaml', namespace.name);
    const name = `fresh-${randomBytes(3).toString('hex')}`;
    await apply([{ ...wrapped, metadata: { ...wrapped.metadata, name } }], admin);
    await apply(
      [
        {
          apiVersion: 'conveyor.dev/v1alpha1',
          kind: 'WorkflowRun',
          metadata: { name, namespace: namespace.name, annotations: { [CREATED_BY_ANNOTATION]: ADMIN_USER } },
          spec: { workflowRef: { name } },
        },
      ],
      admin,
    );
    for (const kind of ['workflow', 'workflowrun']) {
      const stored = await getObject<{ metadata: { generation: number }; status?: unknown }>(
        kind,
        name,
        admin,
      );
      assert.deepEqual(stored?.status, { observedGeneration: 0 }, kind);
      assert.equal(stored?.metadata.generation, 1);
    }
  });

  test('teach the language through kubectl explain', async () => {
    // The API server publishes a new CRD's OpenAPI a moment after it is Established.
    const explain = (field: string, expected: RegExp) =>
      waitFor(
        `kubectl explain ${field}`,
        async () => {
          const result = await kubectl(['explain', field], { ...admin, allowFailure: true });
          return expected.test(result.stdout) && result.stdout;
        },
        { resources: 'crd/workflowruns.conveyor.dev', options: { kubeconfig: admin.kubeconfig } },
      );
    const runSpec = await explain('workflowrun.spec', /approvals/);
    assert.match(runSpec, /workflowRef/);
    assert.match(runSpec, /Keyed by user/);
    const steps = await explain('workflow.spec.steps', /depends_on/);
    assert.match(steps, /Steps or groups that must finish first/);
    assert.match(steps, /A step: a command, a script, or a group of steps/);
  });

  test('refuse an unknown key, naming the field', async () => {
    const bad = { ...seedResource('basic-deployment.yaml', namespace.name), metadata: { name: 'typo' } };
    bad.spec = { steps: [{ name: 'a', command: 'true', depend_on: ['b'] }] };
    const input = JSON.stringify(bad);
    assert.match(
      await refused(['apply', '--server-side', '-f', '-'], { ...admin, input }),
      /\.spec\.steps\[0\]\.depend_on/,
    );
    assert.match(
      await refused(['apply', '-f', '-'], { ...admin, input }),
      /unknown field "spec\.steps\[0\]\.depend_on"/,
    );
  });

  test('refuse a wrong type and a value outside an enum, naming the fields', async () => {
    const bad = { ...seedResource('basic-deployment.yaml', namespace.name), metadata: { name: 'types' } };
    bad.spec = { steps: [{ name: 'a', command: 'true', retry: { attempts: 0, backoff: 'quadratic' } }] };
    const message = await refused(['create', '-f', '-'], { ...admin, input: JSON.stringify(bad) });
    assert.match(message, /spec\.steps\[0\]\.retry\.attempts/);
    assert.match(message, /spec\.steps\[0\]\.retry\.backoff: Unsupported value: "quadratic"/);
    bad.spec = { steps: [{ name: 'a', retry: { attempts: 'three' } }] };
    const typed = await refused(['apply', '--server-side', '-f', '-'], {
      ...admin,
      input: JSON.stringify(bad),
    });
    assert.match(typed, /\.spec\.steps\[0\]\.retry\.attempts/);
  });

  test('refuse a run that names both workflowRef and an inline workflow, or neither', async () => {
    const both = run('both', { workflowRef: { name: 'basic-deployment' }, workflow: { steps: [] } });
    const message = await refused(['create', '-f', '-'], { ...admin, input: JSON.stringify(both) });
    assert.match(message, /set exactly one of spec\.workflowRef .* and spec\.workflow/);
    await refused(['create', '-f', '-'], { ...admin, input: JSON.stringify(run('neither', {})) });
  });

  test('accept an inline workflow document as a file holds it, name included', async () => {
    const document = parse(readFileSync(join(REPO_ROOT, 'examples', 'parallel-operations.yaml'), 'utf8'));
    await kubectl(['create', '-f', '-'], {
      ...admin,
      input: JSON.stringify(run('inline', { workflow: document })),
    });
  });

  test('keep a run immutable except approvals, cancel and rollback', async () => {
    const spec = { workflowRef: { name: 'basic-deployment' }, parameters: { environment: 'staging' } };
    await kubectl(['create', '-f', '-'], { ...admin, input: JSON.stringify(run('fixed', spec)) });
    const change = (patch: object) => refused(mergePatch('wfr', 'fixed', { spec: patch }), admin);
    assert.match(
      await change({ workflowRef: { name: 'other' } }),
      /spec\.workflowRef cannot change once the run exists/,
    );
    assert.match(await change({ parameters: { environment: 'prod' } }), /spec\.parameters cannot change/);
    assert.match(await change({ timeout: '5m' }), /spec\.timeout cannot change/);

    // An approval that the admission policy would let through too, should a suite sharing this
    // cluster have bound it cluster-wide: requested in status, by a listed user allowed to self-approve.
    const request = { deploy: { users: [adminName], allowSelfApproval: true } };
    await kubectl(
      mergePatch('wfr', 'fixed', { status: { approvals: request } }, ['--subresource=status']),
      admin,
    );
    await kubectl(
      mergePatch('wfr', 'fixed', {
        spec: { approvals: { deploy: { [adminName]: { decision: 'approved' } } } },
      }),
      admin,
    );
    await kubectl(mergePatch('wfr', 'fixed', { spec: { cancel: true, rollback: true } }), admin);
    assert.match(await change({ cancel: false }), /spec\.cancel cannot go back to false/);
    assert.match(await change({ rollback: null }), /spec\.rollback cannot go back to false/);
  });

  test('take a status as the controller writes it and show it in the printer columns', async () => {
    await kubectl(['create', '-f', '-'], {
      ...admin,
      input: JSON.stringify(run('shown', { workflowRef: { name: 'basic-deployment' } })),
    });
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const status = {
      phase: 'Running',
      observedGeneration: 1,
      startedAt: now,
      progress: { done: 3, total: 5, percent: 60, summary: '3/5' },
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'Running',
          message: '3 of 5 steps done',
          lastTransitionTime: now,
        },
        { type: 'Reconciling', status: 'True', reason: 'Running', message: '', lastTransitionTime: now },
      ],
      steps: {
        pre_deployment_check: {
          phase: 'Succeeded',
          attempts: 1,
          job: 'shown-pre-deployment-check-1',
          exitCode: 0,
        },
        deploy_api: { phase: 'Running', attempts: 2, job: 'shown-deploy-api-2', startedAt: now },
      },
      outputs: { version: '1.2.3' },
      approvals: { deploy: { requestedAt: now, users: ['alice'], required: 1, allowSelfApproval: false } },
      breakers: { api: { state: 'half_open', failures: 3, openedAt: now } },
      engine: { schemaVersion: 1, anything: ['goes', { here: true }] },
    };
    await kubectl(mergePatch('wfr', 'shown', { status }, ['--subresource=status']), admin);
    const table = (await kubectl(['get', 'wfr', 'shown'], admin)).stdout;
    assert.match(table, /WORKFLOW\s+PHASE\s+PROGRESS\s+READY\s+AGE/);
    assert.match(table, /shown\s+basic-deployment\s+Running\s+3\/5\s+False/);
  });
});

describe('the approval admission policy', suite.options, () => {
  let namespace: Namespace;
  let admin: Target;
  const as: Record<string, Target> = {};
  const binding = `conveyor-approvals-test-${randomBytes(3).toString('hex')}`;

  before(async () => {
    const cluster = suite.get();
    await installCrds(cluster.kubeconfig);
    namespace = await createNamespace('approvals', cluster.kubeconfig);
    admin = { kubeconfig: cluster.kubeconfig, namespace: namespace.name };
    for (const [user, groups] of [['alice'], ['bob'], ['carol'], ['dave'], ['erin', ['dba']]] as const) {
      as[user] = { kubeconfig: await cluster.kubeconfigFor(user, groups ?? []), namespace: namespace.name };
    }
    // The shipped policy as it is; the shipped binding (cluster-wide) gets a namespace selector, so
    // other suites sharing this cluster can create runs without the creator annotation.
    const [policy, shippedBinding] = parseAllDocuments(
      readFileSync(join(REPO_ROOT, 'crds', 'approval-policy.yaml'), 'utf8'),
    ).map((d) => d.toJS() as { metadata: { name: string }; spec: Record<string, unknown> });
    const scoped = {
      ...shippedBinding!,
      metadata: { name: binding },
      spec: {
        ...shippedBinding!.spec,
        matchResources: {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace.name } },
        },
      },
    };
    await kubectl(['apply', '-f', join(REPO_ROOT, 'crds', 'approver-role.yaml')], {
      kubeconfig: admin.kubeconfig,
    });
    await apply([policy!, scoped], { kubeconfig: admin.kubeconfig });
    // Approvers may patch (the shipped role); carol and bob may also create runs.
    await apply(
      [
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'approvers' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'conveyor-approver' },
          subjects: ['alice', 'bob', 'carol', 'dave', 'erin'].map((name) => ({
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'User',
            name,
          })),
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: { name: 'run-creator' },
          rules: [{ apiGroups: ['conveyor.dev'], resources: ['workflowruns'], verbs: ['create'] }],
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'run-creators' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'run-creator' },
          subjects: ['bob', 'carol'].map((name) => ({
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'User',
            name,
          })),
        },
      ],
      admin,
    );
    // A policy takes effect shortly after it is created: wait until it refuses a run with no creator.
    await waitFor(
      'the approval policy to be in force',
      async () => {
        const result = await kubectl(['create', '--dry-run=server', '-f', '-'], {
          ...admin,
          input: JSON.stringify(release({})),
          allowFailure: true,
        });
        return result.code !== 0 && /must record who creates it/.test(result.stderr);
      },
      { resources: 'validatingadmissionpolicies', options: { kubeconfig: admin.kubeconfig } },
    );
  });
  after(async () => {
    await namespace?.remove();
    await kubectl(['delete', 'validatingadmissionpolicybinding', binding, '--ignore-not-found'], {
      kubeconfig: suite.get().kubeconfig,
    });
  });

  function release(annotations: Record<string, string>) {
    return {
      apiVersion: 'conveyor.dev/v1alpha1',
      kind: 'WorkflowRun',
      metadata: { name: 'release', annotations },
      spec: { workflowRef: { name: 'basic-deployment' } },
    };
  }

  test('type-checks cleanly against the CRD schema', async () => {
    const policy = await getObject<{ status?: { typeChecking?: { expressionWarnings?: unknown[] } } }>(
      'validatingadmissionpolicy',
      'conveyor-approvals',
      { kubeconfig: admin.kubeconfig },
    );
    assert.deepEqual(policy?.status?.typeChecking?.expressionWarnings ?? [], []);
  });

  test('makes the creator record their own name at creation, and keeps it', async () => {
    const missing = await refused(['create', '-f', '-'], {
      ...as.carol!,
      input: JSON.stringify(release({})),
    });
    assert.match(missing, /add the annotation conveyor\.dev\/created-by: carol/);
    const someoneElse = release({ [CREATED_BY_ANNOTATION]: 'alice' });
    const wrong = await refused(['create', '-f', '-'], { ...as.bob!, input: JSON.stringify(someoneElse) });
    assert.match(wrong, /must be your user name bob, not alice/);

    await kubectl(['create', '-f', '-'], {
      ...as.carol!,
      input: JSON.stringify(release({ [CREATED_BY_ANNOTATION]: 'carol' })),
    });
    const rewrite = await refused(
      ['annotate', 'wfr', 'release', '--overwrite', `${CREATED_BY_ANNOTATION}=bob`],
      as.carol!,
    );
    assert.match(rewrite, /cannot change \(it is carol\)/);
  });

  test('refuses an approval for a step that does not await one', async () => {
    const message = await refused(approve('deploy', 'alice'), as.alice!);
    assert.match(message, /step deploy is not waiting for approval/);
  });

  test('lets a listed user approve under their own name, and no one else', async () => {
    // What the controller publishes when steps reach their gates (status subresource: not policed).
    const requests = {
      deploy: { users: ['alice', 'bob', 'carol'], required: 2 },
      migrate: { groups: ['dba'] },
      anyone: {},
      hotfix: { users: ['carol'], allowSelfApproval: true },
    };
    await kubectl(
      mergePatch('wfr', 'release', { status: { approvals: requests } }, ['--subresource=status']),
      admin,
    );

    await kubectl(approve('deploy', 'alice'), as.alice!);
    const run = await getObject<{ spec: { approvals: Record<string, Record<string, unknown>> } }>(
      'wfr',
      'release',
      admin,
    );
    assert.deepEqual(run?.spec.approvals.deploy, { alice: { decision: 'approved' } });

    assert.match(
      await refused(approve('deploy', 'bob'), as.alice!),
      /approval for step deploy must be keyed by your user name alice, not bob/,
    );
    assert.match(
      await refused(
        mergePatch('wfr', 'release', { spec: { approvals: { deploy: { alice: null } } } }),
        as.bob!,
      ),
      /must be keyed by your user name bob, not alice/,
    );
    assert.match(
      await refused(approve('deploy', 'dave'), as.dave!),
      /dave may not approve step deploy: the approvers are users \[alice, bob, carol\]/,
    );
    await kubectl(approve('deploy', 'bob', 'rejected'), as.bob!);
  });

  test('refuses the creator unless the step allows self-approval', async () => {
    assert.match(
      await refused(approve('deploy', 'carol'), as.carol!),
      /carol created this run and step deploy does not allow self-approval/,
    );
    await kubectl(approve('hotfix', 'carol'), as.carol!);
  });

  test('lets members of an approver group approve, and not others', async () => {
    await kubectl(approve('migrate', 'erin'), as.erin!);
    assert.match(await refused(approve('migrate', 'bob'), as.bob!), /bob may not approve step migrate/);
  });

  test('lets anyone who may patch the run approve a step with no approvers listed', async () => {
    await kubectl(approve('anyone', 'dave'), as.dave!);
  });

  test('leaves cancelling to the cancel verb: an approver is refused, the operator role may', async () => {
    const message = await refused(mergePatch('wfr', 'release', { spec: { cancel: true } }), as.dave!);
    assert.match(message, /dave may not change spec\.cancel: cancelling a run takes the verb cancel/);
    await kubectl(['apply', '-f', join(REPO_ROOT, 'crds', 'operator-role.yaml')], {
      kubeconfig: admin.kubeconfig,
    });
    await kubectl(
      ['create', 'rolebinding', 'operators', '--clusterrole=conveyor-operator', '--user=dave'],
      admin,
    );
    await waitFor(
      'dave to hold the cancel verb',
      async () =>
        (
          await kubectl(['auth', 'can-i', 'cancel', 'workflowruns.conveyor.dev'], {
            ...as.dave!,
            allowFailure: true,
          })
        ).stdout.trim() === 'yes',
      { resources: 'rolebindings', options: admin },
    );
    await kubectl(mergePatch('wfr', 'release', { spec: { cancel: true } }), as.dave!);
    const run = await getObject<{ spec: { cancel?: boolean; approvals: object } }>('wfr', 'release', admin);
    assert.equal(run?.spec.cancel, true);
    assert.deepEqual(Object.keys(run?.spec.approvals ?? {}).sort(), [
      'anyone',
      'deploy',
      'hotfix',
      'migrate',
    ]);
  });
});
