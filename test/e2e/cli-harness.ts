// Runs the real `conveyor` program as a child process, the way users and scripts do, and collects
// its exit code and output.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(REPO, 'bin', 'conveyor.js');
export const STAND_IN_PATH = join(REPO, 'examples', 'bin');

/**
 * A workflow with two typed parameters (greeting, count) and two steps (say, then after), for the
 * tests that need parameters, steps and a run that succeeds.
 */
export const GREET_WORKFLOW = `name: greet
parameters:
  - name: greeting
    default: hi
  - name: count
    type: integer
    default: 1
steps:
  - name: say
    command: "echo {{ .greeting }} {{ .count }}"
  - name: after
    command: "true"
    depends_on: [say]
`;

/** A workflow whose second step exits 3 after its first succeeds: a run that fails. */
export const BREAKS_WORKFLOW = `name: breaks
steps:
  - name: first
    command: "true"
  - name: second
    command: "exit 3"
    depends_on: [first]
`;

/** A workflow `name` whose step `hello` says who ran it, then waits for the approval of `ship`. */
export function gatedWorkflow(name: string, side = 'local side'): string {
  return `name: ${name}
steps:
  - name: hello
    command: echo hello from the ${side}
  - name: ship
    command: echo shipped
    manual_approval: true
`;
}

/** `conveyor run FILE --state-dir DIR --run-id ID`, which must exit `expectedCode` (3: it waits for an approval). */
export async function runLocal(
  file: string,
  stateDir: string,
  runId: string,
  expectedCode = 0,
): Promise<void> {
  const run = await conveyor(['run', file, '--state-dir', stateDir, '--run-id', runId]);
  assert.equal(run.code, expectedCode, run.stdout + run.stderr);
}

/** `conveyor run FILE --cluster -n NS --run-id ID --detach` as the kubeconfig's user: a WorkflowRun, created. */
export async function submitRun(
  file: string,
  namespace: string,
  runId: string,
  kubeconfig: string,
): Promise<void> {
  const started = await conveyor(['run', file, '--cluster', '-n', namespace, '--run-id', runId, '--detach'], {
    env: { KUBECONFIG: kubeconfig },
  });
  assert.equal(started.code, 0, started.stdout + started.stderr);
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string>;
  /** Send this signal after the given number of ms (to test Ctrl-C). */
  readonly signalAfter?: { readonly signal: NodeJS.Signals; readonly ms: number };
  /** Send the signal once `check` holds (polled every 25 ms). */
  readonly signalWhen?: { readonly signal: NodeJS.Signals; readonly check: () => boolean };
}

export function tempDir(prefix = 'conveyor-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function conveyor(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? REPO,
      env: {
        ...process.env,
        PATH: `${STAND_IN_PATH}:${process.env.PATH ?? ''}`,
        CI: 'true',
        NO_COLOR: '1',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const when = options.signalWhen;
    const poll = when
      ? setInterval(() => {
          if (when.check()) {
            clearInterval(poll);
            child.kill(when.signal);
          }
        }, 25)
      : undefined;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    if (options.signalAfter) {
      const { signal, ms } = options.signalAfter;
      setTimeout(() => child.kill(signal), ms);
    }
    child.on('error', reject);
    child.on('close', (code) => {
      if (poll) clearInterval(poll);
      resolve({ code, stdout, stderr });
    });
  });
}
