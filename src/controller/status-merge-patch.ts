// The JSON merge patch (RFC 7386) that turns the status the API server holds into the one the
// controller computed: keys that no longer hold are set to null, so that they go away. A plain merge
// patch of the new status would keep them (a run that waited for its Workflow would end Succeeded with
// `reason: WorkflowNotFound`).

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `next` with a null for every key of `previous` (at any depth of nested objects) that `next` lacks. */
export function statusMergePatch(previous: unknown, next: Record<string, unknown>): Record<string, Json> {
  const patch: Record<string, Json> = {};
  const before = isObject(previous) ? previous : {};
  for (const key of Object.keys(before)) {
    if (next[key] === undefined) patch[key] = null;
  }
  for (const [key, value] of Object.entries(next)) {
    if (value === undefined) continue;
    const old = before[key];
    // Arrays (conditions) are replaced whole by a merge patch; objects are merged key by key.
    patch[key] = isObject(value) && isObject(old) ? statusMergePatch(old, value) : (value as Json);
  }
  return patch;
}
