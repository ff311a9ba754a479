// `conveyor controller` as a separate process for cluster tests: started with the test's flags, its
// log collected for failure messages, stopped by signal. Steps find the sysctl stand-in and `node`
// first on their PATH, as the node agent runs them as local processes.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './harness.ts';

/** The PATH steps get: the stand-ins, the folder of this `node` (for `#!/usr/bin/env node`), the system. */
export const STEP_PATH = [
  join(REPO_ROOT, 'examples', 'bin'),
  dirname(process.execPath),
  '/usr/local/bin',
  '/usr/bin',
  '/bin',
].join(':');

export interface ControllerOptions {
  readonly kubeconfig: string;
  /** `--namespace` (one or a comma-separated list). */
  readonly namespace: string;
  /** More flags, e.g. `--leader-elect`. */
  readonly args?: readonly string[];
  /** Environment of every step (`--step-env`); PATH defaults to STEP_PATH. */
  readonly stepEnv?: Readonly<Record<string, string>>;
  /** Environment of the controller process itself (e.g. POD_NAME). */
  readonly env?: NodeJS.ProcessEnv;
  /** The folder holding bin/conveyor.js (an image build); the repository by default. */
  readonly root?: string;
}

export interface ControllerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  /** Everything it logged so far. */
  log(): string;
  /** Sends the signal and waits for the process to end (SIGKILL to simulate a crash). */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `--step-env` values are Helm-style: commas inside a value are escaped. */
function stepEnvFlag(env: Readonly<Record<string, string>>): string {
  return Object.entries(env)
    .map(([k, v]) => `${k}=${v.replace(/,/g, '\\,')}`)
    .join(',');
}

export function startController(options: ControllerOptions): ControllerProcess {
  const root = options.root ?? REPO_ROOT;
  const child = spawn(
    process.execPath,
    [
      join(root, 'bin', 'conveyor.js'),
      'controller',
      '--kubeconfig',
      options.kubeconfig,
      `--namespace=${options.namespace}`,
      '--port=0',
      '--step-env',
      stepEnvFlag({ PATH: STEP_PATH, ...options.stepEnv }),
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: root, env: { ...process.env, ...options.env } },
  );
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    exited,
    log: () => log,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
