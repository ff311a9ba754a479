#!/usr/bin/env node
// Runs commands side by side, for test suites that mostly wait (on API servers, kubelets, child
// processes) and so share two cores well. The first lane's output goes straight through; the
// others' is held in files and printed after it, so no two reports interleave. Exits with the
// first failing lane's code. Usage: lanes.mjs NPM-SCRIPT... (each run as `npm run -s NAME`).
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * @typedef {{ command: string, args: string[] }} Lane
 * @param {Lane[]} lanes
 * @param {{ env?: NodeJS.ProcessEnv, cwd?: string, label?: string }} [options]
 * @returns {Promise<number>} the first non-zero exit code, or 0
 */
export async function runLanes(lanes, options = {}) {
  const children = new Set();
  const forward = (signal) => children.forEach((child) => child.kill(signal));
  process.on('SIGINT', forward).on('SIGTERM', forward);
  const dir = lanes.length > 1 ? mkdtempSync(join(tmpdir(), 'conveyor-lanes-')) : undefined;
  const held = lanes.map((_, i) => (i === 0 || !dir ? undefined : join(dir, `lane-${i}.txt`)));
  if (dir)
    console.error(
      `[${options.label ?? 'lanes'}] ${lanes.length - 1} more lane(s) run alongside; ` +
        `their output (${dir}) follows at the end`,
    );
  const codes = await Promise.all(
    lanes.map(({ command, args }, i) => {
      const child = spawn(command, args, {
        stdio: held[i] ? ['ignore', 'pipe', 'pipe'] : 'inherit',
        env: options.env ?? process.env,
        cwd: options.cwd,
      });
      children.add(child);
      if (held[i]) {
        const out = createWriteStream(held[i]);
        child.stdout.pipe(out);
        child.stderr.pipe(out);
      }
      return new Promise((resolve) =>
        child.once('close', (status, signal) => {
          children.delete(child);
          resolve(status ?? (signal ? 1 : 0));
        }),
      );
    }),
  );
  for (const file of held) if (file) process.stdout.write(readFileSync(file));
  process.off('SIGINT', forward).off('SIGTERM', forward);
  return codes.find((code) => code !== 0) ?? 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const lanes = process.argv.slice(2).map((name) => ({ command: npm, args: ['run', '-s', name] }));
  process.exit(await runLanes(lanes, { label: process.argv.slice(2).join(' + ') }));
}
