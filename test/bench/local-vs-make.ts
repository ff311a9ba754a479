// Benchmark: a local run of a DAG of `true` commands (1,000 steps at --parallel 8, 2,000 at 16)
// against `make -j` on the same DAG, measured in the same process, as ratios. It runs the CLI the
// ways users call it, so the figures include start-up and workflow loading:
// - installed: the `conveyor` command of the packed tarball installed with `npm install -g` (what a
//   user of the package runs: compiled dist/, nothing else);
// - npx: `npx conveyor` in the checkout (the README's way from a clone; npm's own start-up included);
// - checkout bin: `node bin/conveyor.js` in the checkout (compiled dist/ when it is current, after a
//   check of dist/ against the sources; else the sources through tsx: `cli` says which).
// The machine's load average is reported with them: on a shared machine it moves the figures more
// than anything else.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dagMakefile, dagWorkflow, randomDag } from './dag.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/conveyor.js', import.meta.url));
const COMPILED = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
/** Alternating rounds; the best of each is kept (a busy machine only ever makes a run slower). */
const ROUNDS = 3;

export interface LocalVsMake {
  readonly steps: number;
  readonly parallel: number;
  readonly makeMs: number;
  /** The installed `conveyor` command (npm install -g of the packed tarball), and its ratio to make. */
  readonly installedMs: number;
  readonly installedRatio: number;
  /** bin/conveyor.js run … */
  readonly conveyorMs: number;
  /** conveyor ÷ make (1.0 = as fast as make). */
  readonly ratio: number;
  /** npx conveyor run … in the checkout, and its ratio to make. */
  readonly npxMs: number;
  readonly npxRatio: number;
  /** The 1-minute load average before and after. */
  readonly load: readonly [number, number];
  /** Which CLI bin/conveyor.js ran: the compiled one or the TypeScript sources through tsx. */
  readonly cli: 'dist' | 'tsx';
}

function timed(cmd: string, args: string[], cwd: string): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, CI: 'true' },
  });
  const ms = performance.now() - t0;
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.toString().slice(-500)}`);
  return ms;
}

/** `installedBin`: the `conveyor` command of an installed package (see startup.ts's packAndInstall). */
export function benchLocalVsMake(installedBin: string, steps = 2000, parallel = 16): LocalVsMake {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-bench-'));
  try {
    const dag = randomDag(steps, 100);
    writeFileSync(join(dir, 'dag.yaml'), dagWorkflow(dag, 'true'));
    writeFileSync(join(dir, 'Makefile'), dagMakefile(dag, 'true'));
    const loadBefore = loadavg()[0] ?? 0;
    const runArgs = (state: string): string[] => [
      'run',
      join(dir, 'dag.yaml'),
      '--parallel',
      String(parallel),
      '--state-dir',
      join(dir, state),
      '--output',
      'json',
    ];
    // Alternate them so that none profits from a warmer machine; keep the best of each.
    let makeMs = Infinity;
    let conveyorMs = Infinity;
    let npxMs = Infinity;
    let installedMs = Infinity;
    for (let i = 0; i < ROUNDS; i++) {
      makeMs = Math.min(makeMs, timed('make', [`-j${parallel}`, '-s'], dir));
      installedMs = Math.min(installedMs, timed(installedBin, runArgs(`installed${i}`), dir));
      conveyorMs = Math.min(conveyorMs, timed(process.execPath, [BIN, ...runArgs(`state${i}`)], dir));
      npxMs = Math.min(npxMs, timed('npx', ['conveyor', ...runArgs(`npx${i}`)], REPO));
    }
    const cli = existsSync(COMPILED) ? 'dist' : 'tsx';
    const load: [number, number] = [loadBefore, loadavg()[0] ?? 0];
    return {
      steps,
      parallel,
      makeMs,
      installedMs,
      installedRatio: installedMs / makeMs,
      conveyorMs,
      ratio: conveyorMs / makeMs,
      npxMs,
      npxRatio: npxMs / makeMs,
      load,
      cli,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
