// Builds the custom resources from a workflow document: a `Workflow` (its name moves to metadata.name)
// and the annotation that records a run's creator for the approval admission policy.
import { ANNOTATIONS, API_VERSION } from './identity.ts';

/** Set by whoever creates a WorkflowRun to their own user name; the admission policy checks it. */
export const CREATED_BY_ANNOTATION = ANNOTATIONS.createdBy;

/** A Kubernetes object name (RFC 1123 subdomain). */
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export interface WorkflowResource {
  apiVersion: string;
  kind: 'Workflow';
  metadata: { name: string; namespace?: string };
  spec: Record<string, unknown>;
}

export type WrapResult = { ok: true; resource: WorkflowResource } | { ok: false; message: string };

/**
 * A bare workflow document as a `Workflow`: `name` becomes metadata.name (the CRD has no spec.name, so
 * the two can never disagree) and `$schema`, an editor hint, is dropped.
 */
export function workflowResource(
  document: Readonly<Record<string, unknown>>,
  namespace?: string,
): WrapResult {
  const { name, $schema: _schema, ...spec } = document;
  if (typeof name !== 'string' || name.length > 253 || !OBJECT_NAME.test(name)) {
    return {
      ok: false,
      message:
        `workflow name ${JSON.stringify(name)} cannot be a Kubernetes object name: use lowercase ` +
        "letters, digits, '-' and '.', starting and ending with a letter or digit",
    };
  }
  return {
    ok: true,
    resource: {
      apiVersion: API_VERSION,
      kind: 'Workflow',
      metadata: namespace === undefined ? { name } : { name, namespace },
      spec,
    },
  };
}
