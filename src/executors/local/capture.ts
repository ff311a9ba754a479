// Reads a step's captured stdout back from its file after the step ended, keeping at most `limit`
// bytes in memory however much the step wrote (the rest stays in the file, and the engine fails
// the step with OutputTooLarge when it sees `truncated`).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface Capture {
  readonly text: string;
  readonly truncated: boolean;
}

export function readCapture(path: string, limit: number): Capture {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    // Never created: the process could not be set up.
    return { text: '', truncated: false };
  }
  try {
    const size = fstatSync(fd).size;
    const buffer = Buffer.allocUnsafe(Math.min(size, limit));
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, read);
      if (n === 0) break;
      read += n;
    }
    return { text: buffer.toString('utf8', 0, read), truncated: size > limit };
  } finally {
    closeSync(fd);
  }
}
