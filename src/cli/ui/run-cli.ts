// Runs a conveyor command in this process with its output captured, so that an action in the UI is
// exactly what the CLI does (same checks, same API calls, same messages).
import type { CliIO } from '../io.ts';
import type { ActionResult } from './backend.ts';

export async function runCli(argv: readonly string[], base: CliIO): Promise<ActionResult> {
  let out = '';
  let err = '';
  const io: CliIO = {
    ...base,
    stdout: { write: (t) => void (out += t), isTTY: false },
    stderr: { write: (t) => void (err += t), isTTY: false },
  };
  const { main } = await import('../main.ts');
  let code: number;
  try {
    code = await main(argv, io);
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  return { ok: code === 0, message: (code === 0 ? out : err || out).trim() };
}
