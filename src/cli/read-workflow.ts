// Reads a workflow file for a command, turning an unreadable path into a located diagnostic.
import { resolve } from 'node:path';
import type { Diagnostic } from '../spec/diagnostics.ts';
import { loadWorkflow } from '../spec/load.ts';
import type { LoadResult } from '../spec/load.ts';
import type { CliIO } from './io.ts';

export async function readWorkflow(io: CliIO, file: string): Promise<LoadResult> {
  let text: string;
  try {
    text = await io.readFile(resolve(io.cwd, file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    const d: Diagnostic = {
      severity: 'error',
      code: 'unreadable-file',
      message: `cannot read workflow: ${reason}`,
      path: '',
      file,
    };
    return { diagnostics: [d] };
  }
  return loadWorkflow(text, file);
}
