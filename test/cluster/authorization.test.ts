// Identities are real: an ordinary user is refused by RBAC until granted rights, users can be minted
// in groups (future approvers), and a ValidatingAdmissionPolicy sees who is asking.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apply, createNamespace, kubectl, waitFor } from './kubectl.ts';
import { PLAIN_USER, useCluster } from './use-cluster.ts';

const suite = await useCluster();

describe('authorization', suite.options, () => {
  let namespace: { name: string; remove: () => Promise<void> };
  let admin: { kubeconfig: string; namespace: string };
  let alice: { kubeconfig: string; namespace: string };

  before(async () => {
    const cluster = suite.get();
    namespace = await createNamespace('authz', cluster.kubeconfig);
    admin = { kubeconfig: cluster.kubeconfig, namespace: namespace.name };
    alice = { kubeconfig: await cluster.kubeconfigFor(PLAIN_USER), namespace: namespace.name };
  });
  after(() => namespace?.remove());

  const grantConfigMaps = (binding: string, subject: { kind: 'User' | 'Group'; name: string }) =>
    apply(
      [
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: { name: 'configmap-writer' },
          rules: [
            {
              apiGroups: [''],
              resources: ['configmaps'],
              verbs: ['get', 'list', 'create', 'update', 'patch'],
            },
          ],
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: binding },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmap-writer' },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', ...subject }],
        },
      ],
      admin,
    );

  test('an ordinary user is refused, then allowed once granted', async () => {
    const canI = await kubectl(['auth', 'can-i', 'create', 'configmaps'], { ...alice, allowFailure: true });
    assert.equal(canI.stdout.trim(), 'no');
    const refused = await kubectl(['create', 'configmap', 'denied', '--from-literal=a=b'], {
      ...alice,
      allowFailure: true,
    });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /forbidden: User "alice" cannot create resource "configmaps"/);

    await grantConfigMaps('alice-writes', { kind: 'User', name: PLAIN_USER });
    await waitFor(
      'alice to be allowed',
      async () =>
        (
          await kubectl(['auth', 'can-i', 'create', 'configmaps'], { ...alice, allowFailure: true })
        ).stdout.trim() === 'yes',
      { resources: 'rolebindings', options: admin },
    );
    await kubectl(['create', 'configmap', 'allowed', '--from-literal=a=b'], alice);
    // Other namespaces stay closed.
    const elsewhere = await kubectl(['auth', 'can-i', 'create', 'configmaps', '-n', 'default'], {
      ...alice,
      namespace: undefined,
      allowFailure: true,
    });
    assert.equal(elsewhere.stdout.trim(), 'no');
  });

  test('a user minted in a group gets that group’s rights', async () => {
    const cluster = suite.get();
    const dave = {
      kubeconfig: await cluster.kubeconfigFor('dave', ['conveyor-approvers']),
      namespace: namespace.name,
    };
    const whoami = JSON.parse((await kubectl(['auth', 'whoami', '-o', 'json'], dave)).stdout) as {
      status: { userInfo: { username: string; groups?: string[] } };
    };
    assert.equal(whoami.status.userInfo.username, 'dave');
    assert.ok(whoami.status.userInfo.groups?.includes('conveyor-approvers'));
    await grantConfigMaps('approvers-write', { kind: 'Group', name: 'conveyor-approvers' });
    await waitFor(
      'the group to be allowed',
      async () =>
        (
          await kubectl(['auth', 'can-i', 'create', 'configmaps'], { ...dave, allowFailure: true })
        ).stdout.trim() === 'yes',
      { resources: 'rolebindings', options: admin },
    );
  });

  test('a ValidatingAdmissionPolicy sees the requesting user', async () => {
    await grantConfigMaps('alice-writes', { kind: 'User', name: PLAIN_USER });
    const policy = `owner-is-requester-${namespace.name}`;
    await apply(
      [
        {
          apiVersion: 'admissionregistration.k8s.io/v1',
          kind: 'ValidatingAdmissionPolicy',
          metadata: { name: policy },
          spec: {
            failurePolicy: 'Fail',
            matchConstraints: {
              resourceRules: [
                {
                  apiGroups: [''],
                  apiVersions: ['v1'],
                  operations: ['CREATE', 'UPDATE'],
                  resources: ['configmaps'],
                },
              ],
            },
            validations: [
              {
                expression:
                  "!has(object.data) || !('owner' in object.data) || object.data.owner == request.userInfo.username",
                message: 'data.owner must be the requesting user',
              },
            ],
          },
        },
        {
          apiVersion: 'admissionregistration.k8s.io/v1',
          kind: 'ValidatingAdmissionPolicyBinding',
          metadata: { name: policy },
          spec: {
            policyName: policy,
            validationActions: ['Deny'],
            matchResources: {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace.name } },
            },
          },
        },
      ],
      { kubeconfig: admin.kubeconfig },
    );
    try {
      // Policies take effect shortly after they are created: try until the denial shows.
      const denied = await waitFor(
        'the policy to deny a configmap owned by someone else',
        async () => {
          const name = `not-mine-${Date.now()}`;
          const result = await kubectl(['create', 'configmap', name, '--from-literal=owner=bob'], {
            ...alice,
            allowFailure: true,
          });
          return result.code !== 0 && result.stderr;
        },
        { resources: `validatingadmissionpolicies/${policy}`, options: { kubeconfig: admin.kubeconfig } },
      );
      assert.match(denied, /data\.owner must be the requesting user/);
      await kubectl(['create', 'configmap', 'mine', '--from-literal=owner=alice'], alice);
    } finally {
      await kubectl(
        [
          'delete',
          'validatingadmissionpolicybinding,validatingadmissionpolicy',
          policy,
          '--ignore-not-found',
        ],
        {
          kubeconfig: admin.kubeconfig,
        },
      );
    }
  });
});
