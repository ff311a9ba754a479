// The record of what dist/ was built from, so that bin/conveyor.js never runs a dist/ older than the
// sources of a checkout. scripts/build.mjs writes it; bin/conveyor.js asks isDistFresh() only where
// src/ exists (a checkout): an installed package or the image ships no sources and runs dist/ as is.
//
// Each input is kept with its size, mtime and content hash. The common case costs one stat per
// input (same size and mtime: unchanged); a differing mtime alone (git checkout, touch) is settled
// by the hash, so switching branches back and forth does not force the slow path for ever.
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const STAMP = 'dist/cli/build-inputs.json';

function sha256(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Writes the stamp for the given input files (absolute or relative to root). */
export function writeStamp(root, files) {
  const inputs = [...new Set(files.map((f) => relative(root, join(root, f))))].sort().map((path) => {
    const full = join(root, path);
    const { size, mtimeMs } = statSync(full);
    return { path, size, mtimeMs, sha256: sha256(full) };
  });
  writeFileSync(join(root, STAMP), `${JSON.stringify({ inputs })}\n`);
}

/** True when every input dist/ was built from is still as it was then (and none is gone). */
export function isDistFresh(root) {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(root, STAMP), 'utf8'));
  } catch {
    return false;
  }
  for (const input of stamp.inputs) {
    const full = join(root, input.path);
    let stat;
    try {
      stat = statSync(full);
    } catch {
      return false;
    }
    if (stat.size !== input.size) return false;
    if (stat.mtimeMs !== input.mtimeMs && sha256(full) !== input.sha256) return false;
  }
  return true;
}
