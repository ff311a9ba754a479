// Deterministic, injective Kubernetes names for a run's objects. A step attempt's Job is always named
// the same, so creating it twice is harmless (AlreadyExists) and a restarted controller adopts it;
// no two (run, step, attempt) share a name, so a run never meets another run's Job under its own.
import { boundedName, dnsLabelPart, MAX_NAME, shortHash } from '../../spec/kubernetes-name.ts';

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
