// Benchmark: the size of the WorkflowRun status the controller writes for a finished 5,000-step run
// (every step an instant success on realistic wall-clock times), against the API server's 1.5 MiB
// request limit. Built exactly as the reconciler builds it: run-status.ts's summariseRun.
import { parse } from 'yaml';
import { buildPlan } from '../../src/engine/plan.ts';
import { createRunState } from '../../src/engine/state.ts';
import { summariseRun } from '../../src/controller/run-status.ts';
import { loadWorkflow } from '../../src/spec/load.ts';
import { resolveRunContext } from '../../src/spec/run-context.ts';
import { simulate } from '../unit/engine/helpers/simulator.ts';
import { dagWorkflow, randomDag } from './dag.ts';

/** kube-apiserver's default --max-request-bytes for a write (etcd's own limit is the same 1.5 MiB). */
export const API_REQUEST_LIMIT = 1.5 * 1024 * 1024;

export interface StatusSizeResult {
  readonly steps: number;
  /** JSON.stringify of the whole status, as sent in the status merge patch. */
  readonly statusBytes: number;
  /** The `engine` field (gzip+base64 of the engine's run state). */
  readonly engineBytes: number;
  /** The engine state as plain JSON before compression, for the compression ratio. */
  readonly engineRawBytes: number;
  /** `steps`: one compact entry per step. */
  readonly stepsBytes: number;
  /** The pinned workflow ConfigMap's data (ConfigMaps are limited to 1 MiB of data). */
  readonly pinnedBytes: number;
  /**
   * Estimated metadata.managedFields entry the API server adds for the controller's status patches
   * (server-side field tracking lists every field it set: one `f:` key per step and per step field).
   * Stored in etcd with the object, so it counts against the 1.5 MiB etcd limit too.
   */
  readonly managedFieldsBytes: number;
  readonly fractionOfLimit: number;
}

/** The FieldsV1 set of a value: maps list their keys as `f:KEY` (a set child also has "."). */
export function fieldsV1(value: unknown, nested = false): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  const out: Record<string, unknown> = nested ? { '.': {} } : {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[`f:${k}`] = fieldsV1(v, true);
  return out;
}

export function benchStatusSize(steps = 5000): StatusSizeResult {
  const runName = 'bench-dag-run-20240601-abcdef';
  const text = dagWorkflow(randomDag(steps, 50), 'echo {{ .workflow_id }} step');
  const loaded = loadWorkflow(text, 'bench.yaml');
  if (!loaded.workflow) throw new Error(`bench workflow is invalid: ${loaded.diagnostics[0]?.message}`);
  const plan = buildPlan(loaded.workflow);
  const start = Date.parse('2024-06-01T12:00:00.000Z');
  const context = resolveRunContext(loaded.workflow, { parameters: {}, runId: runName });
  if (!context.ok) throw new Error('bench run context is invalid');
  const state = createRunState(
    plan,
    { runId: runName, context: context.context, creator: 'alice@example.com' },
    start,
  );
  // Realistic durations (seconds, with milliseconds) so every timestamp has its full width.
  const result = simulate(plan, state, { start, defaultDurationMs: 1_234 });
  if (result.state.phase !== 'Succeeded') throw new Error(`bench run ended ${result.state.phase}`);
  const final = result.state;
  const status = summariseRun({
    run: { metadata: { name: runName, namespace: 'bench', uid: 'bench-uid', generation: 1 } },
    loaded: { plan, state, pinned: `${runName}-workflow`, workflow: 'bench-dag' },
    observed: { observations: [], missing: [], waits: [] },
    acted: { late: [], jobsOwed: [] },
    state: final,
    now: result.end,
  });
  const size = (v: unknown): number => Buffer.byteLength(JSON.stringify(v));
  const statusBytes = size(status);
  const managed = {
    manager: 'conveyor-controller',
    operation: 'Update',
    apiVersion: 'conveyor.dev/v1alpha1',
    time: '2024-06-01T12:00:00Z',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:status': fieldsV1(status, true) },
    subresource: 'status',
  };
  return {
    steps: plan.nodes.filter((n) => !n.isGroup && n.role === 'main').length,
    statusBytes,
    engineBytes: size(status.engine),
    engineRawBytes: size(final),
    stepsBytes: size(status.steps),
    // What start-run.ts pins: the workflow document as JSON under one key.
    pinnedBytes: size({ 'workflow.json': JSON.stringify({ ...(parse(text) as object), name: 'bench-dag' }) }),
    managedFieldsBytes: size(managed),
    fractionOfLimit: statusBytes / API_REQUEST_LIMIT,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(benchStatusSize());
}
