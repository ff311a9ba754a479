// Writes a workflow that a command produced: to a file (never over an existing one unless forced),
// or to standard output for `-`.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CliIO } from '../io.ts';

export type WriteResult = { ok: true } | { ok: false; message: string };

export async function writeWorkflowFile(
  io: CliIO,
  output: string,
  text: string,
  force: boolean,
): Promise<WriteResult> {
  if (output === '-') {
    io.stdout.write(text);
    return { ok: true };
  }
  try {
    // `wx` fails when the file exists, atomically: no window between a check and the write.
    await writeFile(resolve(io.cwd, output), text, { encoding: 'utf8', flag: force ? 'w' : 'wx' });
    return { ok: true };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return { ok: false, message: `${output} exists; use --force to overwrite it` };
    if (code === 'ENOENT') return { ok: false, message: `cannot write ${output}: its folder does not exist` };
    return { ok: false, message: `cannot write ${output}: ${(error as Error).message}` };
  }
}
