// Deterministic, injective Kubernetes names for a run's objects. A step attempt's Job is always named
// the same, so creating it twice is harmless (AlreadyExists) and a restarted controller adopts it;
// no two (run, step, attempt) share a name, so a run never meets another run's Job under its own.
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

/**
 * `<run>-<step>-<attempt>-<digest>`: the digest (of the exact run and step names) keeps apart what
 * reads the same once made a name (`r.x`/`r-x`, run `deploy` step `x-build` / run `deploy-x` step
 * `build`); the readable part is cut to fit 63 characters, never the attempt or the digest.
 */
export function jobName(run: string, step: string, attempt: number): string {
  const tail = `-${attempt}-${shortHash(`${run}\u0000${step}`).slice(0, 6)}`;
  const readable = `${dnsLabelPart(run)}-${dnsLabelPart(step)}`;
  return `${readable.slice(0, MAX_NAME - tail.length).replace(/-+$/, '')}${tail}`;
}

/** `<run>-workflow`; a run name with dots gets a digest, or `r.x` and `r-x` would share one pin. */
export function pinnedWorkflowName(run: string): string {
  return run.includes('.')
    ? boundedName([run, 'workflow', shortHash(run).slice(0, 6)])
    : boundedName([run, 'workflow']);
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
