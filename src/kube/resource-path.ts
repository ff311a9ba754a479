// The API server's URL path of a namespaced object or collection: `/api/v1/...` for the core group
// (apiVersion "v1"), `/apis/<group>/<version>/...` for every other group.

export function resourcePath(
  apiVersion: string,
  namespace: string,
  plural: string,
  name?: string,
  subresource?: string,
): string {
  const root = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const parts = [root, 'namespaces', encodeURIComponent(namespace), plural];
  if (name !== undefined) parts.push(encodeURIComponent(name));
  if (subresource !== undefined) parts.push(subresource);
  return parts.join('/');
}
