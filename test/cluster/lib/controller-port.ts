// The port a `conveyor controller --port=0` process serves /metrics, /healthz and /readyz on, read
// from its "controller started" log line.
import { pollUntil } from './wait.ts';

export function controllerPort(log: () => string, timeoutMs = 60_000): Promise<number> {
  return pollUntil(
    () => {
      const line = log()
        .split('\n')
        .find((l) => l.includes('"controller started"'));
      return line ? (JSON.parse(line) as { port: number }).port : undefined;
    },
    { what: 'the controller to listen', timeoutMs, describe: () => log().slice(-4000) },
  );
}

/** The status code of a probe, or 0 when the controller does not answer at all. */
export async function probe(port: number, path: '/healthz' | '/readyz'): Promise<number> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5_000) });
    await response.text();
    return response.status;
  } catch {
    return 0;
  }
}
