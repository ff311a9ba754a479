// The Helm chart, rendered by a real `helm` (scripts/helm.sh builds it from the Go module proxy on
// first use): lint, then `helm template` with the default values and with a list of namespaces, and
// the rendered objects checked for what the chart promises — least-privilege RBAC (no wildcards,
// nothing on Secrets cluster-wide, Roles per namespace when given), the restricted security context,
// two replicas with leader election, the PodDisruptionBudget, probes — and the chart's copies of
// crds/ identical to the repository's.
// Skips (with the reason) only when helm cannot be built and CONVEYOR_REQUIRE_CLUSTER is not 1.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { parseNotificationsConfig } from '../../src/observability/notifications/config.ts';
import { CHART_DIR, REPO_ROOT, findHelm } from './helm-binary.ts';

const root = REPO_ROOT;
const chart = CHART_DIR;

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}
interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs: string[];
}

const found = findHelm();
const skip = found.skip;

function helm(args: readonly string[]): string {
  return execFileSync(found.helm!, [...args], {
    encoding: 'utf8',
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function render(set: readonly string[] = []): K8sObject[] {
  const out = helm([
    'template',
    'conveyor',
    chart,
    '--namespace',
    'conveyor-system',
    '--include-crds',
    ...set,
  ]);
  return parseAllDocuments(out)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const one = (objects: K8sObject[], kind: string): K8sObject => {
  const found = byKind(objects, kind);
  assert.equal(found.length, 1, `expected one ${kind}, got ${found.length}`);
  return found[0]!;
};
const rulesOf = (o: K8sObject) => (o.rules ?? []) as PolicyRule[];

/** What every Role and ClusterRole of the chart must respect. */
function assertLeastPrivilege(objects: K8sObject[]): void {
  for (const role of [...byKind(objects, 'Role'), ...byKind(objects, 'ClusterRole')]) {
    for (const rule of rulesOf(role)) {
      const where = `${role.kind} ${role.metadata.name}: ${JSON.stringify(rule)}`;
      assert.ok(!rule.verbs.includes('*'), `wildcard verb in ${where}`);
      assert.ok(!(rule.resources ?? []).includes('*'), `wildcard resource in ${where}`);
      assert.ok(!(rule.apiGroups ?? []).includes('*'), `wildcard API group in ${where}`);
      assert.ok(!(rule.resources ?? []).some((r) => r.includes('*')), `wildcard subresource in ${where}`);
      assert.ok(
        !rule.verbs.some((v) => ['escalate', 'bind', 'impersonate'].includes(v)),
        `escalation in ${where}`,
      );
      if (role.kind === 'ClusterRole') {
        assert.ok(!(rule.resources ?? []).includes('secrets'), `Secrets cluster-wide in ${where}`);
      }
    }
  }
}

function controllerContainer(objects: K8sObject[]) {
  const deployment = one(objects, 'Deployment') as K8sObject & {
    spec: {
      replicas: number;
      template: {
        spec: {
          serviceAccountName: string;
          securityContext: Record<string, unknown>;
          volumes: { name: string; emptyDir?: object }[];
          containers: {
            command: string[];
            args: string[];
            env: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
            securityContext: Record<string, unknown> & { capabilities: { drop: string[] } };
            livenessProbe: { httpGet: { path: string } };
            readinessProbe: { httpGet: { path: string } };
            volumeMounts: { name: string; mountPath: string }[];
            resources: { requests?: Record<string, string> };
          }[];
        };
      };
    };
  };
  const container = deployment.spec.template.spec.containers[0]!;
  return { deployment, pod: deployment.spec.template.spec, container };
}

describe('helm chart helm/conveyor', { skip }, () => {
  test('the chart copies of crds/ are identical to the repository (scripts/helm.sh check-crds)', () => {
    const result = spawnSync('bash', [join(root, 'scripts', 'helm.sh'), 'check-crds'], { encoding: 'utf8' });
    assert.equal(result.status, 0, `stale copies — run scripts/helm.sh sync-crds:\n${result.stderr}`);
    // Belt and braces: compare the bytes here too, so the test does not trust the script alone.
    for (const [copy, source] of [
      ['crds/conveyor.dev_workflows.yaml', 'conveyor.dev_workflows.yaml'],
      ['crds/conveyor.dev_workflowruns.yaml', 'conveyor.dev_workflowruns.yaml'],
      ['files/crds/approval-policy.yaml', 'approval-policy.yaml'],
      ['files/crds/approver-role.yaml', 'approver-role.yaml'],
      ['files/crds/operator-role.yaml', 'operator-role.yaml'],
      ['files/crds/created-by-policy.yaml', 'created-by-policy.yaml'],
      ['files/crds/step-objects-policy.yaml', 'step-objects-policy.yaml'],
    ] as const) {
      assert.equal(
        readFileSync(join(chart, copy), 'utf8'),
        readFileSync(join(root, 'crds', source), 'utf8'),
        copy,
      );
    }
  });

  test('helm lint passes, strictly, with default values and with a namespace list', () => {
    helm(['lint', '--strict', chart]);
    helm([
      'lint',
      '--strict',
      chart,
      '--set',
      'watchNamespaces={a,b}',
      '--set',
      'metrics.serviceMonitor.enabled=true',
    ]);
  });

  test('default values: ClusterRole without Secrets or wildcards, 2 replicas with leader election', () => {
    const objects = render();
    assertLeastPrivilege(objects);
    const kinds = objects.map((o) => o.kind).sort();
    for (const kind of [
      'CustomResourceDefinition',
      'Deployment',
      'PodDisruptionBudget',
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'Role',
      'RoleBinding',
      'Service',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
    ]) {
      assert.ok(kinds.includes(kind), `no ${kind} in ${kinds.join(', ')}`);
    }
    assert.equal(byKind(objects, 'CustomResourceDefinition').length, 2);
    assert.equal(byKind(objects, 'ServiceMonitor').length, 0, 'ServiceMonitor is opt-in');
    assert.equal(byKind(objects, 'ConfigMap').length, 0, 'dashboard is opt-in');

    // The controller's ClusterRole: exactly the API it uses.
    const controllerRole = byKind(objects, 'ClusterRole').find(
      (r) => r.metadata.name === 'conveyor-controller',
    );
    assert.ok(controllerRole, 'ClusterRole conveyor-controller');
    const grants = new Set(
      rulesOf(controllerRole).flatMap((rule) =>
        (rule.resources ?? []).flatMap((res) =>
          rule.verbs.map((verb) => `${(rule.apiGroups ?? [''])[0]}/${res}:${verb}`),
        ),
      ),
    );
    for (const needed of [
      'conveyor.dev/workflowruns:watch',
      'conveyor.dev/workflowruns/status:patch',
      'conveyor.dev/workflows/status:patch',
      'conveyor.dev/workflowruns:delete',
      'batch/jobs:create',
      'batch/jobs:delete',
      'batch/jobs:watch',
      '/pods:watch',
      '/pods/log:get',
      '/configmaps:create',
      '/events:create',
      // Asked by the step-objects admission policy of whoever creates a step's Job or pod.
      'conveyor.dev/workflowruns:run-steps',
    ]) {
      assert.ok(grants.has(needed), `controller cannot ${needed}`);
    }
    // The controller never edits what users own.
    for (const denied of [
      'conveyor.dev/workflowruns:patch',
      'conveyor.dev/workflowruns:update',
      'batch/jobs:update',
    ]) {
      assert.ok(!grants.has(denied), `controller should not ${denied}`);
    }
    const binding = one(objects, 'ClusterRoleBinding') as K8sObject & {
      subjects: { kind: string; name: string; namespace: string }[];
    };
    assert.deepEqual(binding.subjects, [
      { kind: 'ServiceAccount', name: 'conveyor', namespace: 'conveyor-system' },
    ]);

    // Leases: a Role in the release namespace, get/update limited to the one Lease.
    const leaseRole = one(objects, 'Role');
    assert.equal(leaseRole.metadata.namespace, 'conveyor-system');
    for (const rule of rulesOf(leaseRole)) {
      assert.deepEqual(rule.resources, ['leases']);
      if (!rule.verbs.includes('create')) assert.deepEqual(rule.resourceNames, ['conveyor-controller']);
    }

    const { deployment, pod, container } = controllerContainer(objects);
    assert.equal(deployment.spec.replicas, 2);
    assert.equal(pod.serviceAccountName, 'conveyor');
    assert.deepEqual(container.command, ['node', 'bin/conveyor.js', 'controller']);
    assert.ok(container.args.includes('--leader-elect'), container.args.join(' '));
    assert.ok(container.args.includes('--lease-namespace=conveyor-system'));
    assert.ok(!container.args.some((a) => a.startsWith('--namespace')), 'all namespaces: no --namespace');
    const downward = Object.fromEntries(container.env.map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath]));
    assert.equal(downward.POD_NAME, 'metadata.name');
    assert.equal(downward.POD_NAMESPACE, 'metadata.namespace');
    assert.equal(container.livenessProbe.httpGet.path, '/healthz');
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    assert.ok(container.resources.requests?.cpu && container.resources.requests.memory, 'resource requests');

    // Restricted Pod Security Standard.
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.securityContext.runAsUser, 65532);
    assert.deepEqual(pod.securityContext.seccompProfile, { type: 'RuntimeDefault' });
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
    // A read-only root needs a writable /tmp.
    const tmp = container.volumeMounts.find((m) => m.mountPath === '/tmp');
    assert.ok(tmp, 'emptyDir at /tmp');
    assert.ok(pod.volumes.find((v) => v.name === tmp.name)?.emptyDir, '/tmp is an emptyDir');

    const pdb = one(objects, 'PodDisruptionBudget') as K8sObject & { spec: { minAvailable: number } };
    assert.equal(pdb.spec.minAvailable, 1);
  });

  test('the created-by policy is installed where the API server serves MutatingAdmissionPolicy v1, and only there', () => {
    const served = ['--api-versions', 'admissionregistration.k8s.io/v1/MutatingAdmissionPolicy'];
    const shipped = parseAllDocuments(readFileSync(join(root, 'crds', 'created-by-policy.yaml'), 'utf8')).map(
      (d) => d.toJS() as K8sObject,
    );
    const objects = render(served);
    assert.deepEqual(one(objects, 'MutatingAdmissionPolicy'), shipped[0]);
    assert.deepEqual(one(objects, 'MutatingAdmissionPolicyBinding'), shipped[1]);
    // Kubernetes before 1.36 (helm's offline default here): the chart installs, without it.
    assert.equal(byKind(render(), 'MutatingAdmissionPolicy').length, 0);
    assert.equal(
      byKind(render([...served, '--set', 'createdByPolicy.enabled=false']), 'MutatingAdmissionPolicy').length,
      0,
    );
  });

  test('the step-objects policy is installed as shipped, and only the controller holds its verb run-steps', () => {
    const shipped = parseAllDocuments(
      readFileSync(join(root, 'crds', 'step-objects-policy.yaml'), 'utf8'),
    ).map((d) => d.toJS() as K8sObject);
    const objects = render();
    const named = (kind: string) =>
      byKind(objects, kind).find((o) => o.metadata.name === 'conveyor-step-objects');
    assert.deepEqual(named('ValidatingAdmissionPolicy'), shipped[0]);
    assert.deepEqual(named('ValidatingAdmissionPolicyBinding'), shipped[1]);
    const holders = [...byKind(objects, 'ClusterRole'), ...byKind(objects, 'Role')]
      .filter((r) =>
        rulesOf(r).some(
          (rule) =>
            (rule.apiGroups ?? []).includes('conveyor.dev') &&
            rule.verbs.some((v) => v === 'run-steps' || v === '*'),
        ),
      )
      .map((r) => r.metadata.name);
    assert.deepEqual(holders, ['conveyor-controller'], 'the approver and operator roles must not hold it');
    assert.equal(
      byKind(render(['--set', 'stepObjectsPolicy.enabled=false']), 'ValidatingAdmissionPolicy').filter(
        (p) => p.metadata.name === 'conveyor-step-objects',
      ).length,
      0,
    );
  });

  test('watchNamespaces=[a,b]: a Role and RoleBinding per namespace and no controller ClusterRole', () => {
    const objects = render(['--set', 'watchNamespaces={a,b}']);
    assertLeastPrivilege(objects);
    assert.equal(byKind(objects, 'ClusterRoleBinding').length, 0);
    // Only the approver and operator ClusterRoles are cluster-wide, and they grant nothing until bound.
    assert.deepEqual(
      byKind(objects, 'ClusterRole').map((r) => r.metadata.name),
      ['conveyor-approver', 'conveyor-operator'],
    );
    const controllerRoles = byKind(objects, 'Role').filter((r) => r.metadata.name === 'conveyor-controller');
    assert.deepEqual(controllerRoles.map((r) => r.metadata.namespace).sort(), ['a', 'b']);
    const bindings = byKind(objects, 'RoleBinding').filter((r) => r.metadata.name === 'conveyor-controller');
    assert.deepEqual(bindings.map((r) => r.metadata.namespace).sort(), ['a', 'b']);
    const { container } = controllerContainer(objects);
    assert.ok(container.args.includes('--namespace=a,b'), container.args.join(' '));
  });

  test('options: ServiceMonitor, dashboard, no approval policy, runner account with its rules', () => {
    const objects = render([
      '--set',
      'metrics.serviceMonitor.enabled=true,grafanaDashboard.enabled=true,approvalPolicy.enabled=false,stepObjectsPolicy.enabled=false',
      '--set',
      'runner.serviceAccount.create=true,watchNamespaces={a}',
      '--set',
      'runner.rbac.rules[0].apiGroups={apps},runner.rbac.rules[0].resources={deployments},runner.rbac.rules[0].verbs={get,patch}',
      '--set-string',
      'runner.env.HTTP_PROXY=http://proxy:3128',
    ]);
    assertLeastPrivilege(objects);
    one(objects, 'ServiceMonitor');
    const dashboard = one(objects, 'ConfigMap') as K8sObject & { data: Record<string, string> };
    const json = JSON.parse(dashboard.data['conveyor-controller.json']!) as { panels: unknown[] };
    assert.ok(json.panels.length > 0);
    assert.equal(byKind(objects, 'ValidatingAdmissionPolicy').length, 0);
    const runnerSA = byKind(objects, 'ServiceAccount').find((s) => s.metadata.name === 'conveyor-runner');
    assert.equal(runnerSA?.metadata.namespace, 'a');
    const runnerRole = byKind(objects, 'Role').find((r) => r.metadata.name === 'conveyor-runner');
    assert.deepEqual(rulesOf(runnerRole!), [
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'patch'] },
    ]);
    const { container } = controllerContainer(objects);
    assert.ok(container.args.includes('--runner-service-account=conveyor-runner'));
    assert.ok(container.args.includes('--step-env=HTTP_PROXY=http://proxy:3128'), container.args.join(' '));
  });

  test('notifications: a config the controller accepts in a ConfigMap, the Secret mounted read-only, pods rolled on change', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conveyor-chart-'));
    const values = join(dir, 'values.yaml');
    const secrets = '/etc/conveyor/notification-secrets';
    writeFileSync(
      values,
      `notifications:
  existingSecret: conveyor-notification-secrets
  config:
    channels:
      slack:
        webhookUrl: { valueFrom: { file: ${secrets}/slack-webhook-url } }
      email:
        host: smtp.example.com
        from: conveyor@example.com
        to: [ops@example.com]
        password: { valueFrom: { file: ${secrets}/smtp-password } }
    delivery: { maxAttempts: 3 }
`,
    );
    const objects = render(['--values', values]);
    const configMap = one(objects, 'ConfigMap') as K8sObject & { data: Record<string, string> };
    assert.equal(configMap.metadata.name, 'conveyor-notifications');
    const parsed = parseNotificationsConfig(configMap.data['notifications.yaml']!, 'notifications.yaml', {
      readFile: (path) => (path.startsWith(`${secrets}/`) ? 'secret' : ''),
      env: () => undefined,
    });
    assert.ok(parsed.ok, JSON.stringify(parsed));
    assert.deepEqual([...parsed.config.channels.keys()], ['email', 'slack']);
    const { deployment, container } = controllerContainer(objects);
    assert.ok(
      container.args.includes('--notifications-config=/etc/conveyor/notifications/notifications.yaml'),
    );
    const mounts = container.volumeMounts as { name: string; mountPath: string; readOnly?: boolean }[];
    assert.deepEqual(
      mounts.filter((m) => m.name !== 'tmp'),
      [
        { name: 'notifications', mountPath: '/etc/conveyor/notifications', readOnly: true },
        { name: 'notification-secrets', mountPath: secrets, readOnly: true },
      ],
    );
    const volumes = deployment.spec.template.spec.volumes as {
      name: string;
      configMap?: { name: string };
      secret?: { secretName: string };
    }[];
    assert.equal(volumes.find((v) => v.name === 'notifications')?.configMap?.name, 'conveyor-notifications');
    assert.equal(
      volumes.find((v) => v.name === 'notification-secrets')?.secret?.secretName,
      'conveyor-notification-secrets',
    );
    const annotations = (
      deployment.spec.template as unknown as { metadata: { annotations?: Record<string, string> } }
    ).metadata.annotations;
    assert.match(annotations?.['checksum/notifications'] ?? '', /^[0-9a-f]{64}$/);
    // Off by default: no flag, no volumes.
    const plain = controllerContainer(render());
    assert.ok(!plain.container.args.some((a) => a.startsWith('--notifications-config')));
    assert.ok(!plain.container.volumeMounts.some((m) => m.name.startsWith('notification')));
  });

  test('the values schema refuses what the chart must not do', () => {
    const refused = (set: string[], why: RegExp) => {
      const result = spawnSync(found.helm!, ['template', 'x', chart, ...set], { encoding: 'utf8' });
      assert.notEqual(result.status, 0, `accepted ${set.join(' ')}`);
      assert.match(result.stderr, why);
    };
    refused(['--set', 'runner.rbac.rules[0].resources={*},runner.rbac.rules[0].verbs={get}'], /runner/);
    refused(['--set', 'replicas=2,leaderElection.enabled=false'], /leaderElection|enabled/);
    refused(['--set', 'securityContext.allowPrivilegeEscalation=true'], /allowPrivilegeEscalation/);
    refused(['--set', 'watchNamespaces={Not_A_Namespace}'], /watchNamespaces/);
    refused(['--set', 'unknownValue=1'], /unknownValue|additional/);
    refused(['--set', 'notifications.config.chanels.slack.type=slack'], /chanels|additional/);
    refused(['--set', 'notifications.existingSecret=Not_A_Name'], /existingSecret/);
  });
});
