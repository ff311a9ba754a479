// Secret masking for anything that may reach a log line: values under keys that look secret, env
// entries whose name looks secret, and bearer/basic credentials embedded in strings.

export const REDACTED = '[REDACTED]';

/**
 * Keys whose values are never logged. Deliberately broad (a `key` or `token` anywhere in the name):
 * a masked harmless field costs a little debugging, a leaked credential costs much more.
 */
const SECRET_KEY = /pass|secret|token|key|credential|authorization|cookie/i;
/**
 * A field named just `key` names something (a work-queue key, a map key, the key of a Secret in a
 * secretKeyRef) rather than holding a secret: `apiKey`, `private_key` and the like stay masked.
 */
const NAMING_KEY = /^keys?$/i;
const EMBEDDED_CREDENTIAL = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/g;
/** Objects nested deeper than this are cut: a log line is not the place for them. */
const MAX_DEPTH = 32;

export function isSecretKey(name: string): boolean {
  return SECRET_KEY.test(name) && !NAMING_KEY.test(name);
}

/** A copy of `value` with secrets replaced by "[REDACTED]"; `value` itself is never modified. */
export function maskSecrets<T>(value: T): T {
  return mask(value, 0, new WeakSet()) as T;
}

function mask(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return maskString(value);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (value instanceof Date || ArrayBuffer.isView(value)) return value;
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => mask(item, depth + 1, seen));
    if (value instanceof Error) return maskError(value, depth, seen);
    if (value instanceof Map) return mask(Object.fromEntries(value), depth, seen);
    if (value instanceof Set) return mask([...value], depth, seen);
    const out: Record<string, unknown> = {};
    const entry = value as Record<string, unknown>;
    // An env entry ({ name: DB_PASSWORD, value: ... }): the name says whether the value is secret.
    // An env var's name is all there is to go by, so even one named just KEY counts.
    const secretEnvValue = typeof entry.name === 'string' && SECRET_KEY.test(entry.name) && 'value' in entry;
    for (const [key, item] of Object.entries(entry)) {
      if ((isSecretKey(key) || (secretEnvValue && key === 'value')) && isMaskable(item)) out[key] = REDACTED;
      else out[key] = mask(item, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** Empty values and flags reveal nothing, and keeping them keeps logs like `{ token: undefined }` honest. */
function isMaskable(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '' && typeof value !== 'boolean';
}

function maskString(text: string): string {
  return text.replace(EMBEDDED_CREDENTIAL, `$1 ${REDACTED}`);
}

/** Keeps the error's class (pino's serializer reports it as `type`) while masking its fields. */
function maskError(error: Error, depth: number, seen: WeakSet<object>): Error {
  const copy = Object.create(Object.getPrototypeOf(error) as object) as Error & Record<string, unknown>;
  Object.defineProperty(copy, 'message', {
    value: maskString(error.message),
    enumerable: false,
    writable: true,
  });
  if (error.stack !== undefined) {
    Object.defineProperty(copy, 'stack', {
      value: maskString(error.stack),
      enumerable: false,
      writable: true,
    });
  }
  if (error.cause !== undefined) copy.cause = mask(error.cause, depth + 1, seen);
  for (const [key, item] of Object.entries(error)) {
    copy[key] = isSecretKey(key) && isMaskable(item) ? REDACTED : mask(item, depth + 1, seen);
  }
  return copy;
}
