// A part of the UI's runs that could not be read (the cluster beside local runs), told as the page
// says it: the error as the API server or the connection gave it and, for a refusal, what the
// kubeconfig's user lacks, since the fix is then a binding rather than waiting.
import { statusCodeOf } from '../../kube/api-error.ts';
import { serverMessage } from '../cluster/api.ts';
import type { Unavailable } from './backend.ts';

const FORBIDDEN_HINT =
  "The kubeconfig's user needs get, list and watch on workflowruns.conveyor.dev and workflows.conveyor.dev there: the conveyor-approver ClusterRole has them (bound by a RoleBinding in the namespace, or a ClusterRoleBinding for all namespaces). The list shows them as soon as it may.";

export function unavailable(where: string, error: unknown, lastSeenAt?: number): Unavailable {
  return {
    where,
    message: serverMessage(error),
    ...(statusCodeOf(error) === 403 ? { hint: FORBIDDEN_HINT } : {}),
    ...(lastSeenAt !== undefined ? { lastSeenAt } : {}),
  };
}
