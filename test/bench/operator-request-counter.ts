// Counts the controller's own API requests for the operator bench: REQUEST_COUNTER_SOURCE is an ES
// module preloaded into the controller process (`node --import FILE.mjs`, plain JavaScript so that it
// adds no loader of its own). It wraps http(s).request, which client-node's fetch goes through, counts
// requests by verb and resource ("LIST jobs", "WATCH pods", "PATCH workflowruns/status", and failures
// as "CREATE jobs 409"), and writes the totals as JSON to $CONVEYOR_BENCH_REQUEST_COUNTS, atomically,
// every $CONVEYOR_BENCH_REQUEST_FLUSH_MS (200 ms by default).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const REQUEST_COUNTER_SOURCE = `
import http from 'node:http';
import https from 'node:https';
import { renameSync, writeFileSync } from 'node:fs';

const file = process.env.CONVEYOR_BENCH_REQUEST_COUNTS;
const counts = {};

function requestKind(method, path) {
  const [pathname = '', query = ''] = path.split('?');
  const parts = pathname.split('/').filter(Boolean);
  const rest = parts[0] === 'api' ? parts.slice(2) : parts.slice(3);
  if (rest[0] === 'namespaces' && rest.length >= 3) rest.splice(0, 2);
  const resource = rest[0] ?? pathname;
  const sub = rest[2] ? '/' + rest[2] : '';
  let verb = method.toUpperCase();
  if (/(^|&)watch=(true|1)/.test(query)) verb = 'WATCH';
  else if (verb === 'GET') verb = rest.length >= 2 ? 'GET' : 'LIST';
  else if (verb === 'POST') verb = 'CREATE';
  return verb + ' ' + resource + sub;
}

if (file) {
  for (const module of [http, https]) {
    const original = module.request.bind(module);
    module.request = (...args) => {
      const first = args[0];
      const url = typeof first === 'string' ? new URL(first) : first instanceof URL ? first : undefined;
      const options = url ? (typeof args[1] === 'object' ? args[1] : undefined) : first;
      const method = (options && options.method) || 'GET';
      const path = url ? url.pathname + url.search : (options && options.path) || '/';
      const request = original(...args);
      if (path.startsWith('/api')) {
        const kind = requestKind(method, path);
        counts[kind] = (counts[kind] ?? 0) + 1;
        request.once('response', (response) => {
          const code = response.statusCode ?? 0;
          if (code >= 400) counts[kind + ' ' + code] = (counts[kind + ' ' + code] ?? 0) + 1;
        });
      }
      return request;
    };
  }
  // Written aside and renamed over, so that a reader sees the old counts or the new, never a part.
  const flush = () => {
    writeFileSync(file + '.tmp', JSON.stringify(counts));
    renameSync(file + '.tmp', file);
  };
  setInterval(flush, Number(process.env.CONVEYOR_BENCH_REQUEST_FLUSH_MS ?? 200)).unref();
  process.on('exit', flush);
}
`;

/** Writes the preload module into `dir` and returns its path. */
export function writeRequestCounter(dir: string): string {
  const path = join(dir, 'request-counter.mjs');
  writeFileSync(path, REQUEST_COUNTER_SOURCE);
  return path;
}

/** The counts last written to `file`; throws when it is missing or unreadable, so no read passes for zero. */
export function readRequestCounts(file: string): Record<string, number> {
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as Record<string, number>;
  } catch (error) {
    throw new Error(
      `request counts in ${file} do not parse (${String(error)}): ${JSON.stringify(text.slice(0, 80))}`,
      { cause: error },
    );
  }
}
