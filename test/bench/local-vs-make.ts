// Benchmark: a local run of a 2,000-step DAG of `true` commands at --parallel 16 against
// `make -j16` on the same DAG, measured in the same process, as a ratio. It runs the CLI the way
// users do (bin/conveyor.js: compiled dist/ when built, else the sources through tsx), so the
// figure includes startup and workflow loading; `cli` says which one was measured.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dagMakefile, dagWorkflow, randomDag } from './dag.ts';

const BIN = fileURLToPath(new URL('../../bin/conveyor.js', import.meta.url));
const COMPILED = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
/** Alternating rounds; the best of each is kept (a busy machine only ever makes a run slower). */
const ROUNDS = 3;

export interface LocalVsMake {
  readonly steps: number;
  readonly parallel: number;
  readonly makeMs: number;
  readonly conveyorMs: number;
  /** conveyor ÷ make (1.0 = as fast as make). */
  readonly ratio: number;
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

export function benchLocalVsMake(steps = 2000, parallel = 16): LocalVsMake {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-bench-'));
  try {
    const dag = randomDag(steps, 100);
    writeFileSync(join(dir, 'dag.yaml'), dagWorkflow(dag, 'true'));
    writeFileSync(join(dir, 'Makefile'), dagMakefile(dag, 'true'));
    // Alternate the two so that neither profits from a warmer machine; keep the best of each.
    let makeMs = Infinity;
    let conveyorMs = Infinity;
    for (let i = 0; i < ROUNDS; i++) {
      makeMs = Math.min(makeMs, timed('make', [`-j${parallel}`, '-s'], dir));
      conveyorMs = Math.min(
        conveyorMs,
        timed(
          process.execPath,
          [
            BIN,
            'run',
            'dag.yaml',
            '--parallel',
            String(parallel),
            '--state-dir',
            join(dir, `state${i}`),
            '--output',
            'json',
          ],
          dir,
        ),
      );
    }
    const cli = existsSync(COMPILED) ? 'dist' : 'tsx';
    return { steps, parallel, makeMs, conveyorMs, ratio: conveyorMs / makeMs, cli };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
