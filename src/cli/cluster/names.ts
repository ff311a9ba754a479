// Names the CLI gives cluster objects, and how it refers to itself in hints.
import { randomBytes } from 'node:crypto';
import { dnsLabelPart } from '../../spec/kubernetes-name.ts';
import { invokedAsKubectlPlugin } from './connection.ts';

/** A workflow name as a Kubernetes object name (lower case, DNS characters, at most 63). */
export function workflowObjectName(name: string): string {
  return dnsLabelPart(name).slice(0, 63).replace(/-+$/, '') || 'workflow';
}

/** `<workflow>-<yyyymmddhhmmss>-<4 hex>`: sorts by time and never collides in practice. */
export function newRunName(workflow: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const base = workflowObjectName(workflow).slice(0, 40).replace(/-+$/, '');
  return `${base}-${stamp}-${randomBytes(2).toString('hex')}`;
}

/** A WorkflowRun name must be a DNS subdomain; Job names derived from it are shortened as needed. */
export const RUN_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** How to write a follow-up command for the user, in the form they invoked us. */
export function cliHint(namespaceFlag: string): (args: string) => string {
  return invokedAsKubectlPlugin()
    ? (args) => `kubectl conveyor ${args}${namespaceFlag}`
    : (args) => `conveyor ${args} --cluster${namespaceFlag}`;
}
