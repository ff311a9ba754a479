// Installs the Conveyor CRDs for a suite and waits until the API server serves them. Server-side
// apply with --force-conflicts: suites share one cluster, and the Helm chart test applies the same
// CRDs under its own field manager.
import { join } from 'node:path';
import { REPO_ROOT } from './harness.ts';
import { kubectl } from './kubectl.ts';
import { pollUntil } from './lib/wait.ts';

/** With `approvals`, also the approval admission policy and the approver and operator ClusterRoles. */
export async function installCrds(kubeconfig: string, { approvals = false } = {}): Promise<void> {
  const files = [
    'conveyor.dev_workflows.yaml',
    'conveyor.dev_workflowruns.yaml',
    ...(approvals ? ['approval-policy.yaml', 'approver-role.yaml', 'operator-role.yaml'] : []),
  ];
  await kubectl(
    [
      'apply',
      '--server-side',
      '--force-conflicts',
      ...files.flatMap((f) => ['-f', join(REPO_ROOT, 'crds', f)]),
    ],
    { kubeconfig },
  );
  // Polled rather than `kubectl wait`, which fails outright ("status.conditions accessor error") on a
  // CRD that another suite created an instant ago and that has no status yet.
  for (const crd of ['workflows.conveyor.dev', 'workflowruns.conveyor.dev']) {
    await pollUntil(
      async () => {
        const result = await kubectl(
          ['get', 'crd', crd, '-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}'],
          { kubeconfig, allowFailure: true },
        );
        return result.code === 0 && result.stdout.trim() === 'True';
      },
      { what: `CRD ${crd} Established`, timeoutMs: 60_000, intervalMs: 200 },
    );
  }
}
