// A CliIO for command tests: real files under a temporary working folder, output kept in memory.
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIO } from '../../../src/cli/io.ts';

export interface TestIO extends CliIO {
  out(): string;
  err(): string;
}

export function fileIO(cwd = mkdtempSync(join(tmpdir(), 'conveyor-cli-'))): TestIO {
  let out = '';
  let err = '';
  return {
    stdout: { write: (t) => void (out += t), isTTY: false },
    stderr: { write: (t) => void (err += t), isTTY: false },
    cwd,
    env: {},
    readFile: (path) => readFile(path, 'utf8'),
    now: () => Date.parse('2026-11-29T00:00:00Z'),
    out: () => out,
    err: () => err,
  };
}
