// The graph source of a WorkflowRun in the cluster (`conveyor graph RUN --cluster`).
import { PINNED_KEY } from '../../controller/start-run.ts';
import type { CliIO } from '../io.ts';
import { clusterRunSource, type GraphSource } from '../graph/run-sources.ts';
import { ClusterApi, clusterFailure } from './api.ts';
import { connect } from './connection.ts';

/** The source, or the exit code after an API failure was reported. */
export async function clusterGraphSource(
  values: Record<string, unknown>,
  io: CliIO,
  name: string,
): Promise<GraphSource | number> {
  const api = new ClusterApi(connect(values, io));
  try {
    const run = await api.requireRun(name);
    const pinned = (run.status as { pinnedWorkflow?: string } | undefined)?.pinnedWorkflow;
    const text = pinned ? (await api.getConfigMapData(pinned))?.[PINNED_KEY] : undefined;
    return clusterRunSource(run, text, `configmap/${pinned ?? ''}`);
  } catch (error) {
    return clusterFailure('graph', error, io);
  }
}
