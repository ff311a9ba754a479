// Benchmark: the CPU time of short commands, as users call them, against `node -e 0` measured in the
// same run: the installed package (npm pack + npm install -g into a temporary prefix), the checkout's
// bin/conveyor.js (which also checks that dist/ is current), and `npx conveyor` in the checkout (the
// README's way, npm's own start-up included). CPU (user + system) of the child processes, from
// /proc/self/stat (children's times are added when they are reaped), summed over the rounds; the
// variants alternate so that none profits from a quieter moment.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** Clock ticks per second of /proc's times (USER_HZ, 100 on Linux). */
const TICKS = 100;

export interface StartupRow {
  readonly command: string;
  /** Milliseconds of CPU per call. */
  readonly installedMs: number;
  readonly checkoutMs: number;
  readonly npxMs: number;
}

export interface Startup {
  readonly rounds: number;
  readonly nodeMs: number;
  readonly rows: readonly StartupRow[];
}

/** CPU ticks (user + system) of this process's reaped children so far. */
function childTicks(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command name: state is field 3, cutime field 16, cstime field 17 (1-based).
  return Number(fields[13]) + Number(fields[14]);
}

function cpuOf(cmd: string, args: string[], cwd: string): number {
  const before = childTicks();
  const r = spawnSync(cmd, args, {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, CI: 'true' },
  });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.toString()}`);
  return ((childTicks() - before) * 1000) / TICKS;
}

/** `installedPrefix`: the global prefix an installed package's commands are in (packAndInstall). */
export function benchStartup(installedPrefix: string, rounds = 10): Startup {
  const work = mkdtempSync(join(tmpdir(), 'conveyor-startup-'));
  try {
    const project = join(work, 'project');
    cpSync(join(REPO, 'examples', 'basic-deployment.yaml'), join(project, 'basic-deployment.yaml'));
    const state = join(project, 'state');
    // history lists real runs: a few finished runs of a small workflow.
    writeFileSync(
      join(project, 'small.yaml'),
      'name: small\nsteps:\n  - name: a\n    command: "true"\n  - name: b\n    command: "true"\n    depends_on: [a]\n',
    );
    for (let i = 0; i < 5; i++) {
      cpuOf(join(installedPrefix, 'bin', 'conveyor'), ['run', 'small.yaml', '--state-dir', state], project);
    }
    const commands: { label: string; args: string[] }[] = [
      { label: '--version', args: ['--version'] },
      { label: 'validate FILE', args: ['validate', join(project, 'basic-deployment.yaml')] },
      { label: 'history', args: ['history', '--state-dir', state] },
    ];
    const installedBin = join(installedPrefix, 'bin', 'conveyor');
    const checkoutBin = join(REPO, 'bin', 'conveyor.js');
    let node = 0;
    const totals = commands.map(() => ({ installed: 0, checkout: 0, npx: 0 }));
    for (let round = 0; round < rounds; round++) {
      node += cpuOf(process.execPath, ['-e', '0'], project);
      commands.forEach((c, i) => {
        const t = totals[i]!;
        t.installed += cpuOf(installedBin, c.args, project);
        t.checkout += cpuOf(process.execPath, [checkoutBin, ...c.args], project);
        t.npx += cpuOf('npx', ['--no-install', 'conveyor', ...c.args], REPO);
      });
    }
    return {
      rounds,
      nodeMs: node / rounds,
      rows: commands.map((c, i) => ({
        command: c.label,
        installedMs: totals[i]!.installed / rounds,
        checkoutMs: totals[i]!.checkout / rounds,
        npxMs: totals[i]!.npx / rounds,
      })),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
