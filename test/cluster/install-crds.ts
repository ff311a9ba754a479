// Installs the Conveyor CRDs for a suite and waits until the API server serves them. Server-side
// apply with --force-conflicts: suites share one cluster, and the Helm chart test applies the same
// CRDs under its own field manager.
import { join } from 'node:path';
import { REPO_ROOT } from './harness.ts';
import { kubectl } from './kubectl.ts';

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
  await kubectl(
    [
      'wait',
      '--for=condition=Established',
      'crd/workflows.conveyor.dev',
      'crd/workflowruns.conveyor.dev',
      '--timeout=60s',
    ],
    { kubeconfig },
  );
}
