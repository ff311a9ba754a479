// Small helpers over @kubernetes/client-node 1.x: patch content types and reading API error codes.
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

export const strategicMergePatch = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** HTTP status of a failed API call (client-node 1.x throws ApiException with `code`), else undefined. */
export function statusCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

export function isNotFound(error: unknown): boolean {
  return statusCode(error) === 404;
}

export function isConflict(error: unknown): boolean {
  return statusCode(error) === 409;
}

/** A one-line description of an API error for logs. */
export function describeError(error: unknown): string {
  let body = (error as { body?: unknown } | null)?.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      /* not JSON */
    }
  }
  const message = (body as { message?: unknown } | null)?.message;
  if (typeof message === 'string') return `${statusCode(error)}: ${message}`;
  return error instanceof Error ? error.message : String(error);
}
