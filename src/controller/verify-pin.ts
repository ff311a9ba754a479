// A run's pinned workflow is trusted only as the controller wrote it: a ConfigMap whose controlling
// owner is this run (by uid) and whose workflow text has the digest recorded in the run's status when
// the run started. Anyone who may edit ConfigMaps can delete the pin and make another under its name,
// owner reference copied; only the controller writes status, so the digest is what vouches for it.
import { createHash } from 'node:crypto';

/** The fields of a ConfigMap that the check reads. */
export interface ConfigMapObject {
  readonly metadata: {
    readonly name?: string;
    readonly ownerReferences?: readonly { readonly uid?: string; readonly controller?: boolean }[];
  };
  readonly data?: Readonly<Record<string, string>>;
}

export type PinCheck =
  | { readonly ok: true; readonly text: string }
  | {
      readonly ok: false;
      readonly reason: 'PinTampered' | 'PinnedWorkflowUnavailable';
      readonly message: string;
    };

export function pinDigest(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/**
 * `digest` is the one recorded in status; a run started by a controller that recorded none is
 * checked by its owner reference alone.
 */
export function verifyPin(
  configMap: ConfigMapObject | undefined,
  run: { readonly name: string; readonly uid: string },
  name: string,
  key: string,
  digest: string | undefined,
): PinCheck {
  const text = configMap?.data?.[key];
  if (!configMap || text === undefined)
    return {
      ok: false,
      reason: 'PinnedWorkflowUnavailable',
      message: `the pinned workflow ConfigMap ${name} is missing`,
    };
  const owned = configMap.metadata.ownerReferences?.some((o) => o.controller === true && o.uid === run.uid);
  if (!owned)
    return {
      ok: false,
      reason: 'PinTampered',
      message: `the pinned workflow ConfigMap ${name} is not the one this controller made for run ${run.name} (it is not owned by the run); no further step runs. Delete the run and start a new one.`,
    };
  if (digest !== undefined && pinDigest(text) !== digest)
    return {
      ok: false,
      reason: 'PinTampered',
      message: `the pinned workflow ConfigMap ${name} was changed: its content does not match the digest recorded when run ${run.name} started (${digest}); no further step runs. Delete the run and start a new one.`,
    };
  return { ok: true, text };
}
