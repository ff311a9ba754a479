// Sums of counters in the Prometheus text format: the API server's apiserver_request_total, Argo's
// argo_workflows_k8s_request_total.
import { kubectl } from '../cluster/kubectl.ts';

/** The sum of every series of `metric` in a Prometheus text exposition, and sums by the values of `byLabels`. */
export function sumCounter(
  text: string,
  metric: string,
  byLabels: readonly string[] = [],
): { total: number; by: Record<string, number> } {
  let total = 0;
  const by: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!Number.isFinite(value)) continue;
    total += value;
    if (byLabels.length > 0) {
      const key = byLabels.map((l) => new RegExp(`[{,]${l}="([^"]*)"`).exec(line)?.[1] ?? '').join(' ');
      by[key] = (by[key] ?? 0) + value;
    }
  }
  return { total, by };
}

/** Every client's requests the API server has counted so far, in all and by "VERB resource/subresource". */
export async function apiserverRequests(
  kubeconfig: string,
): Promise<{ total: number; by: Record<string, number> }> {
  const { stdout } = await kubectl(['get', '--raw', '/metrics'], { kubeconfig });
  const { total, by } = sumCounter(stdout, 'apiserver_request_total', ['verb', 'resource', 'subresource']);
  const kinds: Record<string, number> = {};
  for (const [key, n] of Object.entries(by)) {
    const [verb, resource, subresource] = key.split(' ');
    const kind = `${verb} ${resource}${subresource ? `/${subresource}` : ''}`;
    kinds[kind] = (kinds[kind] ?? 0) + n;
  }
  return { total, by: kinds };
}
