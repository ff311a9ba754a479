// Reads a workflow file for a command, turning an unreadable path into a located diagnostic.
import { resolve } from 'node:path';
import type { Diagnostic } from '../spec/diagnostics.ts';
import { formatDiagnostic } from '../spec/diagnostics.ts';
import { loadWorkflow } from '../spec/load.ts';
import type { LoadResult } from '../spec/load.ts';
import type { Workflow } from '../spec/model.ts';
import type { CliIO } from './io.ts';

export async function readWorkflow(io: CliIO, file: string): Promise<LoadResult> {
  const read = await readText(io, file);
  return typeof read === 'string' ? loadWorkflow(read, file) : { diagnostics: [read] };
}

/**
 * For commands that go on to run or apply the workflow: its text (as written) and the loaded
 * workflow, or undefined once every error has been printed to stderr (the command exits 2).
 */
export async function readValidWorkflow(
  io: CliIO,
  file: string,
): Promise<{ text: string; workflow: Workflow; diagnostics: readonly Diagnostic[] } | undefined> {
  const read = await readText(io, file);
  const loaded = typeof read === 'string' ? loadWorkflow(read, file) : { diagnostics: [read] };
  if (typeof read !== 'string' || !loaded.workflow) {
    for (const d of loaded.diagnostics) io.stderr.write(`${formatDiagnostic(d)}\n`);
    return undefined;
  }
  return { text: read, workflow: loaded.workflow, diagnostics: loaded.diagnostics };
}

async function readText(io: CliIO, file: string): Promise<string | Diagnostic> {
  try {
    return await io.readFile(resolve(io.cwd, file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    return {
      severity: 'error',
      code: 'unreadable-file',
      message: `cannot read workflow: ${reason}`,
      path: '',
      file,
    };
  }
}
