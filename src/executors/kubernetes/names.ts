// Deterministic Kubernetes names for a run's objects. A step attempt's Job is always named the same,
// so creating it twice is harmless (AlreadyExists) and a restarted controller adopts it.
import { createHash } from 'node:crypto';
import { dnsLabelPart } from '../../spec/kubernetes-name.ts';

export { dnsLabelPart };

const MAX_NAME = 63;

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/**
 * Joins parts into a valid name of at most 63 characters; past that, a hash of the exact inputs
 * keeps distinct inputs apart. (Validation refuses two steps that look the same in a name.)
 */
export function boundedName(parts: readonly string[]): string {
  const plain = parts.map(dnsLabelPart).join('-');
  const exact = parts.join('\u0000');
  if (plain.length <= MAX_NAME) return plain;
  const hash = shortHash(exact);
  const room = MAX_NAME - hash.length - 1;
  return `${plain.slice(0, room).replace(/-+$/, '')}-${hash}`;
}

/** `<run>-<step>-<attempt>`, shortened with a hash where it would pass 63 characters. */
export function jobName(run: string, step: string, attempt: number): string {
  return boundedName([run, step, String(attempt)]);
}

export function pinnedWorkflowName(run: string): string {
  return boundedName([run, 'workflow']);
}

export const LABELS = {
  run: 'conveyor.dev/run',
  workflow: 'conveyor.dev/workflow',
  step: 'conveyor.dev/step',
  attempt: 'conveyor.dev/attempt',
  managedBy: 'app.kubernetes.io/managed-by',
} as const;

export const ANNOTATIONS = {
  step: 'conveyor.dev/step-name',
  attemptId: 'conveyor.dev/attempt-id',
  purpose: 'conveyor.dev/purpose',
  createdBy: 'conveyor.dev/created-by',
} as const;

/** Label values are at most 63 characters of a restricted set; step names may not be. */
export function labelValue(text: string): string {
  if (/^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/.test(text)) return text;
  return boundedName([text]);
}
