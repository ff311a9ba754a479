// Who may talk to the UI server: only a client that knows the random token printed with the URL
// (as Jupyter does), through a Host header naming this loopback server (so a web page elsewhere
// cannot reach it by DNS rebinding), and for changes, from this origin only.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** 32 random bytes, URL-safe: unguessable, and safe to put in HTML and URLs as it is. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

function sameToken(given: string | null, token: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export type Refusal = { status: 403 | 421; message: string } | undefined;

/** Why a request is refused, or undefined when it may go on. */
export function refusal(req: IncomingMessage, url: URL, token: string, port: number): Refusal {
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  if (!hosts.includes(req.headers.host ?? '')) return { status: 421, message: 'unexpected Host header' };
  if (!sameToken(url.searchParams.get('token'), token))
    return { status: 403, message: 'missing or wrong token: open the URL that conveyor ui printed' };
  const origin = req.headers.origin;
  if (req.method !== 'GET' && origin !== undefined && !hosts.some((h) => origin === `http://${h}`))
    return { status: 403, message: 'cross-origin request refused' };
  return undefined;
}

/** Headers of every response: a strict CSP (nothing but this server's own files), no referrer (the
 *  token is in the URL), no caching, no framing, no sniffing. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
