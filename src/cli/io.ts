// What the CLI touches in the outside world, as one small interface so that commands can be run in
// tests against memory and in production against the process.
import { readFile } from 'node:fs/promises';

export interface Output {
  write(text: string): void;
  /** True when this stream is an interactive terminal (live progress, colours, prompts). */
  readonly isTTY: boolean;
}

export interface CliIO {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readFile(path: string): Promise<string>;
  /** Milliseconds since the epoch; injected so that tests control time. */
  now(): number;
}

export function processIO(): CliIO {
  return {
    stdout: { write: (t) => void process.stdout.write(t), isTTY: process.stdout.isTTY === true },
    stderr: { write: (t) => void process.stderr.write(t), isTTY: process.stderr.isTTY === true },
    cwd: process.cwd(),
    env: process.env,
    readFile: (path) => readFile(path, 'utf8'),
    now: () => Date.now(),
  };
}
