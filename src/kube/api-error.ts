// Recognises Kubernetes API failures whichever client raised them: client-node's ApiException
// (`code`), its Watch errors (`statusCode`), a Status object from a watch stream, and KubeApiError.

/** The `Status` object the API server returns for failures (also the object of a watch ERROR event). */
export interface KubeStatus {
  kind?: string;
  apiVersion?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
}

/** A failed API request, with the HTTP status and the Status reason the server gave. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    readonly statusCode: number,
    message: string,
    readonly reason?: string,
    /** The server's Status, as client-node's ApiException carries it: its message is the detail alone. */
    readonly body?: KubeStatus,
  ) {
    super(message);
  }

  static fromStatus(status: KubeStatus, fallbackCode: number, what: string): KubeApiError {
    const code = typeof status.code === 'number' ? status.code : fallbackCode;
    const detail = status.message ?? status.reason ?? `HTTP ${code}`;
    return new KubeApiError(code, `${what}: ${detail}`, status.reason, status);
  }
}

/** The HTTP status code of a failed API call, or undefined for network errors and bugs. */
export function statusCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { statusCode?: unknown; code?: unknown; body?: unknown };
  if (typeof e.statusCode === 'number') return e.statusCode;
  // client-node's ApiException and a Status object both carry a numeric `code` (a Node system error
  // has a string code such as ECONNRESET, which is not an HTTP status).
  if (typeof e.code === 'number') return e.code;
  return undefined;
}

/** The Status reason (`Expired`, `Conflict`, `AlreadyExists`, ...) when the error carries one. */
export function statusReasonOf(error: unknown): string | undefined {
  if (error instanceof KubeApiError) return error.reason;
  const body = (error as { body?: unknown } | null)?.body;
  const parsed = typeof body === 'string' ? safeParse(body) : body;
  const reason = (parsed as KubeStatus | undefined)?.reason;
  return typeof reason === 'string' ? reason : undefined;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** 410 Gone: the resourceVersion (or continue token) is older than etcd keeps; list again. */
export const isGone = (error: unknown): boolean => statusCodeOf(error) === 410;
/** 409 Conflict: someone wrote the object since we read it (or it already exists). */
export const isConflict = (error: unknown): boolean => statusCodeOf(error) === 409;
export const isNotFound = (error: unknown): boolean => statusCodeOf(error) === 404;

/** A short label for metrics: the HTTP code, or the network error code, or "unknown". */
export function errorCodeLabel(error: unknown): string {
  const status = statusCodeOf(error);
  if (status !== undefined) return String(status);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
  if ((error as { name?: unknown } | null)?.name === 'TimeoutError') return 'timeout';
  return 'unknown';
}

/** Network error codes that mean nothing is answering at the API server's address. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

/**
 * True when the request got no answer because nothing listens at the API server's address (it is
 * restarting, or its host is gone): trying again is cheap for the server, unlike after an HTTP error.
 */
export function isUnreachable(error: unknown): boolean {
  let current: unknown = error;
  // fetch-style errors carry the system error as their cause.
  for (let depth = 0; depth < 3 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
