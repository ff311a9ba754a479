// The --state-dir option shared by every command that reads or writes local runs.
import { resolve } from 'node:path';
import type { CliIO } from './io.ts';
import { StateStore } from './state-store.ts';

export const STATE_DIR_OPTION = { 'state-dir': { type: 'string' } } as const;

export function openStateStore(io: CliIO, values: Record<string, unknown>): StateStore {
  return new StateStore(
    resolve(io.cwd, (values['state-dir'] as string | undefined) ?? io.env.CONVEYOR_STATE_DIR ?? '.conveyor'),
  );
}
