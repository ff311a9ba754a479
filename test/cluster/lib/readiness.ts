// Health probes of the components: etcd /health, kube-apiserver /readyz, controller-manager and
// scheduler /healthz, each over the TLS the component really serves.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { readFileSync } from 'node:fs';

export interface TlsFiles {
  ca: string;
  cert?: string;
  key?: string;
}

/** GETs `url` and resolves with the status code and body; rejects on connection errors. */
export function get(
  url: string,
  tls?: TlsFiles,
  timeoutMs = 5_000,
): Promise<{ status: number; body: string }> {
  const options: RequestOptions = { method: 'GET', timeout: timeoutMs };
  if (tls) {
    options.ca = readFileSync(tls.ca);
    if (tls.cert) options.cert = readFileSync(tls.cert);
    if (tls.key) options.key = readFileSync(tls.key);
  }
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** A probe for pollUntil: true when `url` answers 200. */
export function healthy(url: string, tls?: TlsFiles): () => Promise<boolean> {
  return async () => (await get(url, tls)).status === 200;
}
