// The MutatingAdmissionPolicy of crds/created-by-policy.yaml on a real API server, together with the
// approval policy as shipped: a WorkflowRun applied with no annotation records the user the API
// server authenticated (a person without any cluster-wide rights, or a GitOps tool's service
// account), a run that names someone else is still refused, and applying the same manifest again
// never changes the recorded creator.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CREATED_BY_ANNOTATION } from '../../src/spec/crd/resources.ts';
import { apply, createNamespace, getObject, kubectl, type KubectlOptions } from './kubectl.ts';
import { installCrds } from './install-crds.ts';
import { installScopedPolicies, waitForCreatedByPolicy, type ScopedPolicies } from './scoped-policies.ts';
import { useCluster } from './use-cluster.ts';

const suite = await useCluster();

type Target = { kubeconfig: string; namespace: string };
interface Run {
  metadata: { name: string; annotations?: Record<string, string> };
}

const ARGOCD = 'system:serviceaccount:argocd:argocd-application-controller';

/** A run as it would sit in Git: no creator annotation unless one is given. */
function manifest(name: string, annotations?: Record<string, string>): string {
  return JSON.stringify({
    apiVersion: 'conveyor.dev/v1alpha1',
    kind: 'WorkflowRun',
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: { workflowRef: { name: 'db-migrate' }, parameters: { version: 'v2.1.0' } },
  });
}

describe('the created-by admission policy', suite.options, () => {
  let namespace: { name: string; remove: () => Promise<void> };
  let policies: ScopedPolicies;
  let admin: Target;
  let alice: Target;

  const creatorOf = async (name: string, target: KubectlOptions = admin) =>
    (await getObject<Run>('workflowrun', name, target))?.metadata.annotations?.[CREATED_BY_ANNOTATION];

  before(async () => {
    const cluster = suite.get();
    await installCrds(cluster.kubeconfig);
    namespace = await createNamespace('created-by', cluster.kubeconfig);
    admin = { kubeconfig: cluster.kubeconfig, namespace: namespace.name };
    alice = { kubeconfig: await cluster.kubeconfigFor('alice'), namespace: namespace.name };
    policies = await installScopedPolicies(
      cluster.kubeconfig,
      ['created-by-policy.yaml', 'approval-policy.yaml'],
      [namespace.name],
    );
    // alice has no rights but these, in this namespace only: what a team member applying runs gets.
    await apply(
      [
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: { name: 'run-author' },
          rules: [
            {
              apiGroups: ['conveyor.dev'],
              resources: ['workflowruns'],
              verbs: ['get', 'list', 'create', 'update', 'patch'],
            },
          ],
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'run-authors' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'run-author' },
          subjects: [
            { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' },
            { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: ARGOCD },
          ],
        },
      ],
      admin,
    );
    assert.equal(await waitForCreatedByPolicy(alice.kubeconfig, namespace.name), 'alice');
  });

  after(async () => {
    await namespace?.remove();
    await policies?.remove();
  });

  test('a run applied by kubectl without the annotation records the user who applied it', async () => {
    const applied = await kubectl(['apply', '-f', '-'], { ...alice, input: manifest('by-alice') });
    assert.match(applied.stdout, /workflowrun.conveyor.dev\/by-alice created/);
    assert.equal(await creatorOf('by-alice'), 'alice');
  });

  test('a run that claims another creator is refused, not rewritten', async () => {
    const result = await kubectl(['apply', '-f', '-'], {
      ...alice,
      input: manifest('claims-bob', { [CREATED_BY_ANNOTATION]: 'bob' }),
      allowFailure: true,
    });
    assert.notEqual(result.code, 0, result.stdout);
    assert.match(
      result.stderr,
      /the annotation conveyor\.dev\/created-by must be your user name alice, not bob/,
    );
    assert.equal(await getObject('workflowrun', 'claims-bob', admin), undefined);
  });

  test('a run that names its real creator is accepted as it is', async () => {
    await kubectl(['apply', '-f', '-'], {
      ...alice,
      input: manifest('names-alice', { [CREATED_BY_ANNOTATION]: 'alice' }),
    });
    assert.equal(await creatorOf('names-alice'), 'alice');
  });

  test("a run applied server-side as Argo CD's service account records that account", async () => {
    // How Argo CD and Flux apply: server-side, as their own service account (impersonated here).
    const applied = await kubectl(
      ['apply', '--server-side', '--field-manager=argocd-controller', '--as', ARGOCD, '-f', '-'],
      { ...admin, input: manifest('by-argocd') },
    );
    assert.match(applied.stdout, /workflowrun.conveyor.dev\/by-argocd serverside-applied/);
    assert.equal(await creatorOf('by-argocd'), ARGOCD);
  });

  test('applying the same manifest again, client-side or server-side, keeps the recorded creator', async () => {
    for (let sync = 0; sync < 3; sync++) {
      await kubectl(['apply', '-f', '-'], { ...alice, input: manifest('again-by-alice') });
      await kubectl(
        ['apply', '--server-side', '--field-manager=argocd-controller', '--as', ARGOCD, '-f', '-'],
        {
          ...admin,
          input: manifest('again-by-argocd'),
        },
      );
    }
    assert.equal(await creatorOf('again-by-alice'), 'alice');
    assert.equal(await creatorOf('again-by-argocd'), ARGOCD);
    // Someone else applying it takes its fields over but does not become its creator.
    await kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], {
      ...alice,
      input: manifest('again-by-argocd'),
    });
    assert.equal(await creatorOf('again-by-argocd'), ARGOCD);
  });

  test('the recorded creator cannot be changed afterwards', async () => {
    const result = await kubectl(
      ['annotate', 'workflowrun', 'by-alice', '--overwrite', `${CREATED_BY_ANNOTATION}=bob`],
      { ...alice, allowFailure: true },
    );
    assert.notEqual(result.code, 0, result.stdout);
    assert.match(result.stderr, /cannot change \(it is alice\)/);
    assert.equal(await creatorOf('by-alice'), 'alice');
  });
});
