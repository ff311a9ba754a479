// The plan of a run that is already in the cluster, from the workflow the controller pinned in a
// ConfigMap when the run started (the Workflow itself may have changed since).
import { PINNED_KEY } from '../../controller/start-run.ts';
import { buildPlan } from '../../engine/index.ts';
import type { Plan } from '../../engine/types.ts';
import { loadWorkflowObject } from '../../spec/load.ts';
import type { ClusterApi } from './api.ts';

/** Undefined when the pinned workflow cannot be read (progress then shows only the summary). */
export async function loadRunPlan(api: ClusterApi, pinned: string): Promise<Plan | undefined> {
  const text = (await api.getConfigMapData(pinned))?.[PINNED_KEY];
  if (text === undefined) return undefined;
  try {
    const loaded = loadWorkflowObject(JSON.parse(text), `configmap/${pinned}`);
    return loaded.workflow ? buildPlan(loaded.workflow) : undefined;
  } catch {
    return undefined;
  }
}
