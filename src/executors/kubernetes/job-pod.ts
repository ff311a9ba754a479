// The pod of a Job the controller manages itself (spec.managedBy): made from the Job as the API server
// returned it (its uid, its selector's labels, its defaulted template), named after the Job so that
// an attempt can never get a second pod, and owned by the Job (deleted with it, found by
// `kubectl logs job/NAME` and by the Job's selector, as the Job controller's pods are).
import { JOB_MANAGER } from '../../spec/crd/identity.ts';

export interface CreatedJob {
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly spec?: {
    readonly managedBy?: string;
    readonly template?: {
      readonly metadata?: {
        readonly labels?: Readonly<Record<string, string>>;
        readonly annotations?: Readonly<Record<string, string>>;
      };
      readonly spec?: Record<string, unknown>;
    };
  };
}

/**
 * Whether the controller creates this Job's pod. An API server that does not know spec.managedBy
 * drops it: the Job controller then creates the pod, and the controller must not create another.
 */
export function ownsPodsOf(job: { readonly spec?: { readonly managedBy?: string } } | undefined): boolean {
  return job?.spec?.managedBy === JOB_MANAGER;
}

export function buildJobPod(job: CreatedJob): Record<string, unknown> {
  const { name, namespace, uid } = job.metadata ?? {};
  const template = job.spec?.template;
  if (!name || !namespace || !uid || !template?.spec)
    throw new Error(
      `Job ${name ?? '(unnamed)'} as returned by the API server has no name, uid or pod template`,
    );
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      // The API server added the selector's labels (controller-uid, job-name) to the template.
      labels: { ...template.metadata?.labels },
      annotations: { ...job.metadata?.annotations, ...template.metadata?.annotations },
      ownerReferences: [
        { apiVersion: 'batch/v1', kind: 'Job', name, uid, controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: template.spec,
  };
}
