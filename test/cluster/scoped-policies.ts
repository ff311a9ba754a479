// The shipped admission policies of crds/ for one suite: each policy exactly as shipped, and its
// shipped binding copied under a suite-unique name with a namespace selector, so that suites sharing
// the cluster (which create runs without the creator annotation, or test the fallback without the
// mutating policy) are not affected by this one.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './harness.ts';
import { kubectl, waitFor } from './kubectl.ts';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
}

export interface ScopedPolicies {
  /** The binding names created, by kind (for `kubectl get`). */
  bindings: { kind: string; name: string }[];
  remove(): Promise<void>;
}

/** Installs the policies of `files` (in crds/), bound only in `namespaces`. */
export async function installScopedPolicies(
  kubeconfig: string,
  files: readonly string[],
  namespaces: readonly string[],
): Promise<ScopedPolicies> {
  const suffix = randomBytes(3).toString('hex');
  const objects: Manifest[] = [];
  const bindings: ScopedPolicies['bindings'] = [];
  for (const file of files) {
    const documents = parseAllDocuments(readFileSync(join(REPO_ROOT, 'crds', file), 'utf8')).map(
      (d) => d.toJS() as Manifest,
    );
    for (const object of documents) {
      if (!object.kind.endsWith('Binding')) {
        objects.push(object);
        continue;
      }
      const name = `${object.metadata.name}-${suffix}`;
      bindings.push({ kind: object.kind.toLowerCase(), name });
      objects.push({
        ...object,
        metadata: { ...object.metadata, name },
        spec: {
          ...object.spec,
          matchResources: {
            namespaceSelector: {
              matchExpressions: [
                { key: 'kubernetes.io/metadata.name', operator: 'In', values: [...namespaces] },
              ],
            },
          },
        },
      });
    }
  }
  // Server-side with --force-conflicts: other suites apply the same policies under their own managers.
  await kubectl(
    ['apply', '--server-side', '--force-conflicts', '--field-manager=scoped-policies', '-f', '-'],
    {
      kubeconfig,
      input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
    },
  );
  return {
    bindings,
    remove: async () => {
      for (const b of bindings) {
        await kubectl(['delete', b.kind, b.name, '--ignore-not-found'], { kubeconfig });
      }
    },
  };
}

/**
 * Policies take effect shortly after they are created: waits until a server-side dry run of a run
 * without the creator annotation in `namespace`, by `kubeconfig`'s user, comes back stamped.
 */
export async function waitForCreatedByPolicy(kubeconfig: string, namespace: string): Promise<string> {
  const probe = JSON.stringify({
    apiVersion: 'conveyor.dev/v1alpha1',
    kind: 'WorkflowRun',
    metadata: { name: 'created-by-probe' },
    spec: { workflowRef: { name: 'probe' } },
  });
  return waitFor(
    'the created-by admission policy to be in force',
    async () => {
      const result = await kubectl(['create', '--dry-run=server', '-o', 'json', '-f', '-'], {
        kubeconfig,
        namespace,
        input: probe,
        allowFailure: true,
      });
      if (result.code !== 0) return undefined;
      const run = JSON.parse(result.stdout) as { metadata: { annotations?: Record<string, string> } };
      return run.metadata.annotations?.['conveyor.dev/created-by'];
    },
    { resources: 'mutatingadmissionpolicies,mutatingadmissionpolicybindings', options: { kubeconfig } },
  );
}

/**
 * Policies take effect shortly after they are created: waits until a server-side dry run of a pod
 * labelled for a run, by a user who may create pods in `namespace` (the built-in `edit` role, bound
 * for the wait only) but is not the controller, is refused by the step-objects policy.
 */
export async function waitForStepObjectsPolicy(kubeconfig: string, namespace: string): Promise<void> {
  const probe = 'conveyor-policy-probe';
  const binding = `${probe}-edit`;
  await kubectl(['create', 'rolebinding', binding, '--clusterrole=edit', `--user=${probe}`], {
    kubeconfig,
    namespace,
  });
  const pod = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'step-objects-probe', labels: { 'conveyor.dev/run': 'probe' } },
    spec: { containers: [{ name: 'step', image: 'busybox' }] },
  });
  try {
    await waitFor(
      'the step-objects admission policy to be in force',
      async () => {
        const result = await kubectl([`--as=${probe}`, 'create', '--dry-run=server', '-f', '-'], {
          kubeconfig,
          namespace,
          input: pod,
          allowFailure: true,
        });
        return result.code !== 0 && /conveyor-step-objects/.test(result.stderr);
      },
      { resources: 'validatingadmissionpolicybindings', options: { kubeconfig } },
    );
  } finally {
    await kubectl(['delete', 'rolebinding', binding, '--ignore-not-found'], { kubeconfig, namespace });
  }
}
