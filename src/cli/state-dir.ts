// The --state-dir option shared by every command that reads or writes local runs, and the
// `--state-dir` argument a printed hint needs so that it works exactly as printed.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { shellEscape } from '../template/index.ts';
import { UsageError } from './exit-codes.ts';
import type { CliIO } from './io.ts';
import { StateStore } from './state-store.ts';

export const STATE_DIR_OPTION = { 'state-dir': { type: 'string' } } as const;

/** Where runs live when no --state-dir is given: $CONVEYOR_STATE_DIR, else ./.conveyor. */
function defaultStateDir(io: CliIO): string {
  return resolve(io.cwd, io.env.CONVEYOR_STATE_DIR ?? '.conveyor');
}

export function openStateStore(io: CliIO, values: Record<string, unknown>): StateStore {
  const given = values['state-dir'] as string | undefined;
  return new StateStore(given === undefined ? defaultStateDir(io) : resolve(io.cwd, given));
}

/**
 * ` --state-dir DIR` when the store is not where a command run from the same directory looks by
 * default, else ''. DIR is relative when it lies under the working directory, and shell-quoted.
 */
export function stateDirArgument(io: CliIO, store: StateStore): string {
  if (resolve(store.root) === defaultStateDir(io)) return '';
  const rel = relative(io.cwd, store.root);
  const shown = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : store.root;
  return ` --state-dir ${shellEscape(shown)}`;
}

/**
 * Refuses to start a run whose state could not be saved: a run nobody can resume or find in
 * `history` must not start. Says which folder and why, and how to pick another.
 */
export function ensureWritableStateDir(store: StateStore): void {
  const probe = join(store.root, 'runs', `.write-check-${process.pid}`);
  try {
    mkdirSync(join(store.root, 'runs'), { recursive: true });
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new UsageError(
      `conveyor: cannot write the state dir ${store.root}: ${e.code ?? ''} ${e.message.replace(/^[A-Z]+: /, '')}; choose another with --state-dir DIR (or CONVEYOR_STATE_DIR)`,
    );
  }
}
