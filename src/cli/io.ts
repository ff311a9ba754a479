// What the CLI touches in the outside world, as one small interface so that commands can be run in
// tests against memory and in production against the process.
import { readFile } from 'node:fs/promises';

export interface Output {
  write(text: string): void;
  /** True when this stream is an interactive terminal (live progress, colours, prompts). */
  readonly isTTY: boolean;
  /**
   * Calls `listener` once the reader has gone (the first write that fails). For commands whose
   * only work is to print, such as `logs -f`: they can end then, as `tail -f | head` does.
   */
  onClosed?(listener: () => void): void;
}

export interface CliIO {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readFile(path: string): Promise<string>;
  /** Milliseconds since the epoch; injected so that tests control time. */
  now(): number;
  /** The global --no-color flag was given (colour.ts). */
  readonly noColor?: boolean;
}

/**
 * A process stream whose reader may go away (`conveyor logs … | head`, a closed terminal): the
 * first write error (EPIPE, EIO) makes every later write a no-op instead of an uncaught exception
 * with a stack trace, so a command finishes its work quietly.
 */
function closableOutput(stream: NodeJS.WriteStream): Output {
  let closed = false;
  const listeners: (() => void)[] = [];
  stream.on('error', () => {
    if (closed) return;
    closed = true;
    for (const listener of listeners.splice(0)) listener();
  });
  return {
    write: (text) => {
      if (!closed && !stream.destroyed) stream.write(text);
    },
    isTTY: stream.isTTY === true,
    onClosed: (listener) => {
      if (closed) listener();
      else listeners.push(listener);
    },
  };
}

export function processIO(): CliIO {
  return {
    stdout: closableOutput(process.stdout),
    stderr: closableOutput(process.stderr),
    cwd: process.cwd(),
    env: process.env,
    readFile: (path) => readFile(path, 'utf8'),
    now: () => Date.now(),
  };
}
