// A part of the UI's runs that could not be read (the cluster beside local runs), told as the page
// says it: the error as the API server or the connection gave it and, for a refusal, what the
// kubeconfig's user lacks, since the fix is then a binding rather than waiting.
import { statusCodeOf } from '../../kube/api-error.ts';
import { serverMessage } from '../cluster/api.ts';
import type { Unavailable } from './backend.ts';

const FORBIDDEN_HINT =
  "The kubeconfig's user needs get, list and watch on workflowruns.conveyor.dev and workflows.conveyor.dev there: the conveyor-approver ClusterRole has them (bound by a RoleBinding in the namespace, or a ClusterRoleBinding for all namespaces). The list shows them as soon as it may.";

const NOT_WATCHED_HINT =
  "The kubeconfig's user may list them but not watch them there: the list shows them as they were when the page drew it, and the page does not change by itself (reload it to read them again). Watch on workflowruns.conveyor.dev makes it live: the conveyor-approver ClusterRole has it.";

/** The cluster's runs could be listed, but the API server refuses to watch them (`message`). */
export function notWatched(where: string, message: string): Unavailable {
  return { where, message, hint: NOT_WATCHED_HINT, notLive: true };
}

export function unavailable(where: string, error: unknown, lastSeenAt?: number): Unavailable {
  return {
    where,
    message: serverMessage(error),
    ...(statusCodeOf(error) === 403 ? { hint: FORBIDDEN_HINT } : {}),
    ...(lastSeenAt !== undefined ? { lastSeenAt } : {}),
  };
}
