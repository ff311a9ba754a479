// Benchmark: a local run of a 2,000-step DAG of `true` commands at --parallel 16 against
// `make -j16` on the same DAG, measured in the same process, as a ratio.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dagMakefile, dagWorkflow, randomDag } from './dag.ts';

const BIN = fileURLToPath(new URL('../../bin/conveyor.js', import.meta.url));

export interface LocalVsMake {
  readonly steps: number;
  readonly parallel: number;
  readonly makeMs: number;
  readonly conveyorMs: number;
  /** conveyor ÷ make (1.0 = as fast as make). */
  readonly ratio: number;
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
    for (let i = 0; i < 2; i++) {
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
    return { steps, parallel, makeMs, conveyorMs, ratio: conveyorMs / makeMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
