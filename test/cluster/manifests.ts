// Manifests the cluster tests create: Jobs and Pods running a shell script on any cluster (busybox
// for real nodes; the test node agent runs the same command as a local process).
import type { V1Job, V1Pod, V1PodSpec } from '@kubernetes/client-node';

export const IMAGE = 'busybox:1.36';

/** A pod spec with one container `main` running `script` with sh; Kubernetes expands $(VAR), so write $$ for $. */
export function podSpec(script: string, extra: Partial<V1PodSpec> = {}): V1PodSpec {
  return {
    restartPolicy: 'Never',
    terminationGracePeriodSeconds: 5,
    containers: [{ name: 'main', image: IMAGE, command: ['sh', '-c', script] }],
    ...extra,
  };
}

export function job(
  name: string,
  script: string,
  options: { activeDeadlineSeconds?: number; ownerReferences?: object[] } = {},
): V1Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      ...(options.ownerReferences ? { ownerReferences: options.ownerReferences as never } : {}),
    },
    spec: {
      // Retries are the engine's business: one try, as Conveyor's Jobs.
      backoffLimit: 0,
      ...(options.activeDeadlineSeconds !== undefined
        ? { activeDeadlineSeconds: options.activeDeadlineSeconds }
        : {}),
      template: { spec: podSpec(script) },
    },
  };
}

export function pod(name: string, spec: V1PodSpec): V1Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec };
}
