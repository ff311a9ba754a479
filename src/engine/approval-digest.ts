// What an approval approves: a digest of the gated step's exact definition (its command or script,
// shell, image, env, approvers, approvals required, and for a group everything inside it), of the
// runner its pods get, and of the run's inputs the templates render from. A decision counts only
// for the digest it was given under, so a resumed run whose step changed needs fresh approvals.
// Hashing is pure: the same definition and inputs give the same digest, on every machine.
import { createHash } from 'node:crypto';
import type { Runner, Step } from '../spec/model.ts';

/** Where a step was written and how it is described change nothing it runs. */
const COSMETIC = new Set(['source', 'description', 'generatedName']);

export function approvalDigest(
  step: Step,
  runner: Runner | undefined,
  context: Readonly<Record<string, unknown>>,
): string {
  const hash = createHash('sha256');
  hash.update(canonical({ step, runner: runner ?? null, context }));
  return `sha256:${hash.digest('hex')}`;
}

/** JSON with sorted keys, without undefined and without the cosmetic fields of steps. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([k, x]) => x !== undefined && !(COSMETIC.has(k) && isStepLike(v)))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  });
}

function isStepLike(v: object): boolean {
  return 'kind' in v && 'dependsOn' in v;
}
