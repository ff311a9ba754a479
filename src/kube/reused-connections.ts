// One keep-alive agent per set of TLS credentials, in place of the new agent KubeConfig's
// applyToHTTPSOptions creates for every request. With a new agent, every request opened a new
// connection with a new TLS context built from the CA, certificate and key (a handshake and a few
// hundred kilobytes of native memory each time, ~2 requests per step); the controller's process grew
// by tens of MiB of fragmented native memory over a bench round. Credentials that change (an
// in-cluster CA rotated, a client certificate from an exec plugin renewed) get an agent of their own.
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

/** The agent options that decide which server is trusted and how we authenticate to it. */
const TLS_OPTIONS = [
  'ca',
  'cert',
  'key',
  'pfx',
  'passphrase',
  'rejectUnauthorized',
  'servername',
  'ciphers',
  'honorCipherOrder',
  'ecdhCurve',
  'clientCertEngine',
  'crl',
  'dhparam',
  'secureOptions',
  'secureProtocol',
  'sessionIdContext',
] as const;

/** An idle connection is closed after this long; requests in flight (watches) are not affected. */
const IDLE_TIMEOUT_MS = 60_000;
/** Credentials in use at once: one per controller; a few in a CLI or a test acting as several users. */
const MAX_AGENTS = 8;

const agents = new Map<string, http.Agent>();

/**
 * A keep-alive agent equivalent to `agent` (as applyToHTTPSOptions made it), shared by every request
 * with the same credentials. Proxy agents and anything else unknown are returned as they are.
 */
export function reusedAgent(agent: unknown): unknown {
  const kind =
    agent instanceof https.Agent && agent.constructor === https.Agent
      ? 'https'
      : agent instanceof http.Agent && agent.constructor === http.Agent
        ? 'http'
        : undefined;
  if (!kind) return agent;
  const options = (agent as http.Agent & { options: Record<string, unknown> }).options;
  const key = fingerprint(kind, options);
  let shared = agents.get(key);
  if (!shared) {
    const reusable = { ...options, keepAlive: true, timeout: IDLE_TIMEOUT_MS };
    shared = kind === 'https' ? new https.Agent(reusable) : new http.Agent(reusable);
    agents.set(key, shared);
    // Credentials replaced: a forgotten agent's idle connections close on their own timeout.
    if (agents.size > MAX_AGENTS) agents.delete(agents.keys().next().value as string);
  }
  return shared;
}

function fingerprint(kind: string, options: Record<string, unknown>): string {
  const hash = createHash('sha256').update(kind);
  for (const name of TLS_OPTIONS) {
    const value = options[name];
    if (value === undefined || value === null) continue;
    hash.update(`\0${name}=`);
    for (const part of Array.isArray(value) ? value : [value]) {
      hash.update(Buffer.isBuffer(part) ? part : String(part));
      hash.update('\0');
    }
  }
  return hash.digest('base64');
}
