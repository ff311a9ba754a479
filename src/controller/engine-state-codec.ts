// The engine's run state, kept in WorkflowRun.status as compressed JSON: the whole truth about the
// run (attempts, timers, activities) in a few kilobytes, so a restarted controller resumes exactly.
import { gunzipSync, gzipSync } from 'node:zlib';
import type { RunState } from '../engine/types.ts';
import { RUN_STATE_SCHEMA_VERSION } from '../engine/types.ts';

export interface EncodedEngineState {
  readonly schemaVersion: number;
  readonly encoding: 'gzip+base64';
  readonly data: string;
}

export function encodeEngineState(state: RunState): EncodedEngineState {
  return {
    schemaVersion: state.schemaVersion,
    encoding: 'gzip+base64',
    data: gzipSync(Buffer.from(JSON.stringify(state)), { level: 6 }).toString('base64'),
  };
}

export type DecodeResult = { ok: true; state: RunState } | { ok: false; message: string };

/** Never throws: a hand-edited or truncated status becomes a message for the run's conditions. */
export function decodeEngineState(value: unknown): DecodeResult {
  const v = value as Partial<EncodedEngineState> | undefined;
  if (!v || v.encoding !== 'gzip+base64' || typeof v.data !== 'string') {
    return { ok: false, message: 'status.engine is not an encoded engine state' };
  }
  if (v.schemaVersion !== RUN_STATE_SCHEMA_VERSION) {
    return {
      ok: false,
      message: `status.engine has schema version ${String(v.schemaVersion)}; this controller reads ${RUN_STATE_SCHEMA_VERSION}`,
    };
  }
  try {
    const state = JSON.parse(gunzipSync(Buffer.from(v.data, 'base64')).toString('utf8')) as RunState;
    if (
      !state ||
      typeof state !== 'object' ||
      !Array.isArray(state.steps) ||
      typeof state.runId !== 'string'
    ) {
      return { ok: false, message: 'status.engine does not hold a run state' };
    }
    return { ok: true, state };
  } catch (error) {
    return { ok: false, message: `status.engine cannot be read: ${(error as Error).message}` };
  }
}
