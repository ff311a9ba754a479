// Benchmark: a local run of a DAG of `true` commands (1,000 steps at --parallel 8, 2,000 at 16)
// against `make -j` on the same DAG, measured in the same process, as ratios. It runs the CLI the
// ways users call it, so the figures include start-up and workflow loading:
// - installed: the `conveyor` command of the packed tarball installed with `npm install -g` (what a
//   user of the package runs: compiled dist/, nothing else);
// - npx: `npx conveyor` in the checkout (the README's way from a clone; npm's own start-up included);
// - checkout bin: `node bin/conveyor.js` in the checkout (compiled dist/ when it is current, after a
//   check of dist/ against the sources; else the sources through tsx: `cli` says which).
// Beside them, two references that are not conveyor (launcher-floor.mjs): a Node program that drives
// the same DAG through the same native launcher with nothing but a dependency count, writing each
// step's log file as conveyor does, and the same without log files. They show how much of the gap to
// make is a Node coordinator with a helper process and per-step log files, and how much is
// conveyor's own logic (engine, journal, state, progress) above them.
// Each is timed twice: wall time, and CPU time (user + system of the command and every process under
// it, from the shell's `times`), which a shared machine's load moves far less than wall time. The
// load average is reported with them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeLauncherProgram } from '../../src/executors/local/native-launcher-build.ts';
import { dagMakefile, dagWorkflow, randomDag } from './dag.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/conveyor.js', import.meta.url));
const COMPILED = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const FLOOR = fileURLToPath(new URL('./launcher-floor.mjs', import.meta.url));
/** Alternating rounds; the best of each is kept (a busy machine only ever makes a run slower). */
const ROUNDS = 3;

/** Wall and CPU milliseconds of one way of running the DAG (the best of the rounds), and its ratios to make. */
export interface Timing {
  readonly wallMs: number;
  readonly cpuMs: number;
  /** ÷ make's (1.0 = as fast as make). */
  readonly wallRatio: number;
  readonly cpuRatio: number;
}

export interface LocalVsMake {
  readonly steps: number;
  readonly parallel: number;
  readonly make: Timing;
  /** The installed `conveyor` command (npm install -g of the packed tarball). */
  readonly installed: Timing;
  /** npx conveyor run … in the checkout. */
  readonly npx: Timing;
  /** node bin/conveyor.js run … */
  readonly checkout: Timing;
  /** launcher-floor.mjs with a log file per step, and with output to /dev/null (undefined without the native launcher). */
  readonly floor?: { readonly logFiles: Timing; readonly noLogs: Timing };
  /** The 1-minute load average before and after. */
  readonly load: readonly [number, number];
  /** Which CLI bin/conveyor.js ran: the compiled one or the TypeScript sources through tsx. */
  readonly cli: 'dist' | 'tsx';
}

interface Measured {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** Runs `cmd` under sh, whose `times` then gives the CPU time of everything it ran. */
function timed(cmd: string, args: string[], cwd: string): Measured {
  const t0 = performance.now();
  const r = spawnSync('sh', ['-c', '"$@" >/dev/null; s=$?; times; exit $s', 'sh', cmd, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: 'true' },
  });
  const wallMs = performance.now() - t0;
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.toString().slice(-500)}`);
  // `times`: the shell's own user and system time, then its children's, as 0m1.230000s.
  const children = r.stdout.toString().trim().split('\n').at(-1) ?? '';
  const cpuMs = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce(
    (sum, m) => sum + (Number(m[1]) * 60 + Number(m[2])) * 1000,
    0,
  );
  return { wallMs, cpuMs };
}

/** The best wall time and the least CPU time of the rounds. */
function best(rounds: readonly Measured[]): Measured {
  return {
    wallMs: Math.min(...rounds.map((r) => r.wallMs)),
    cpuMs: Math.min(...rounds.map((r) => r.cpuMs)),
  };
}

/** `installedBin`: the `conveyor` command of an installed package (see startup.ts's packAndInstall). */
export function benchLocalVsMake(installedBin: string, steps = 2000, parallel = 16): LocalVsMake {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-bench-'));
  try {
    const dag = randomDag(steps, 100);
    writeFileSync(join(dir, 'dag.yaml'), dagWorkflow(dag, 'true'));
    writeFileSync(join(dir, 'Makefile'), dagMakefile(dag, 'true'));
    writeFileSync(join(dir, 'dag.json'), JSON.stringify(dag));
    const launcher = nativeLauncherProgram(process.env).path;
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
    const rounds = {
      make: [] as Measured[],
      installed: [] as Measured[],
      checkout: [] as Measured[],
      npx: [] as Measured[],
      floorLogs: [] as Measured[],
      floorNoLogs: [] as Measured[],
    };
    for (let i = 0; i < ROUNDS; i++) {
      rounds.make.push(timed('make', [`-j${parallel}`, '-s'], dir));
      rounds.installed.push(timed(installedBin, runArgs(`installed${i}`), dir));
      rounds.checkout.push(timed(process.execPath, [BIN, ...runArgs(`state${i}`)], dir));
      rounds.npx.push(timed('npx', ['conveyor', ...runArgs(`npx${i}`)], REPO));
      if (launcher !== undefined) {
        const floor = (logs: string): string[] => [
          FLOOR,
          join(dir, 'dag.json'),
          String(parallel),
          launcher,
          logs,
        ];
        rounds.floorLogs.push(timed(process.execPath, floor(join(dir, `floor${i}`)), dir));
        rounds.floorNoLogs.push(timed(process.execPath, floor('-'), dir));
      }
    }
    const make = best(rounds.make);
    const against = (m: Measured): Timing => ({
      ...m,
      wallRatio: m.wallMs / make.wallMs,
      cpuRatio: m.cpuMs / make.cpuMs,
    });
    const cli = existsSync(COMPILED) ? 'dist' : 'tsx';
    const load: [number, number] = [loadBefore, loadavg()[0] ?? 0];
    return {
      steps,
      parallel,
      make: against(make),
      installed: against(best(rounds.installed)),
      npx: against(best(rounds.npx)),
      checkout: against(best(rounds.checkout)),
      ...(launcher !== undefined
        ? { floor: { logFiles: against(best(rounds.floorLogs)), noLogs: against(best(rounds.floorNoLogs)) } }
        : {}),
      load,
      cli,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
