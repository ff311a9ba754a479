// A property over the real CLI, the local executor and the engine: for random small workflows and a
// random end of the conveyor process at a random moment (SIGKILL, SIGTERM, SIGHUP, or its stdout
// closing), followed by `conveyor resume`, every step's command ran at most once per attempt and the
// run's final phase is what its steps did. Each step appends to an execution log as it starts and
// ends. CONVEYOR_PROPERTY_RUNS sets the number of cases (default 8, for the CI time budget).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { BIN, conveyor, tempDir } from './cli-harness.ts';

interface StepSpec {
  readonly ms: number;
  readonly fails: boolean;
}

interface Case {
  readonly steps: readonly StepSpec[];
  /** Run steps 1 and 2 as a parallel group. */
  readonly parallel: boolean;
  readonly onFailureHook: boolean;
  readonly kill: 'SIGKILL' | 'SIGTERM' | 'SIGHUP' | 'EPIPE';
  /** The kill comes once this many step starts are in the log (or never, past the last)... */
  readonly afterStarts: number;
  /** ...and this many ms later. */
  readonly delayMs: number;
}

const caseArbitrary: fc.Arbitrary<Case> = fc.record({
  steps: fc.array(
    fc.record({
      ms: fc.integer({ min: 0, max: 300 }),
      fails: fc.integer({ min: 0, max: 3 }).map((v) => v === 0),
    }),
    { minLength: 2, maxLength: 5 },
  ),
  parallel: fc.boolean(),
  onFailureHook: fc.boolean(),
  kill: fc.constantFrom('SIGKILL' as const, 'SIGTERM' as const, 'SIGHUP' as const, 'EPIPE' as const),
  afterStarts: fc.integer({ min: 1, max: 5 }),
  delayMs: fc.integer({ min: 0, max: 200 }),
});

/** A step's command: log its start, work a while, log its end and exit code. */
function command(name: string, spec: StepSpec): string {
  const code = spec.fails ? 3 : 0;
  const sleep = (spec.ms / 1000).toFixed(3);
  return `echo "start ${name} $CONVEYOR_ATTEMPT" >> exec.log; sleep ${sleep}; echo "end ${name} $CONVEYOR_ATTEMPT ${code}" >> exec.log; exit ${code}`;
}

function workflowYaml(c: Case): string {
  const step = (i: number, indent: string): string[] => [
    `${indent}- name: s${i}`,
    `${indent}  command: ${JSON.stringify(command(`s${i}`, c.steps[i]!))}`,
  ];
  const lines = ['name: property', 'steps:'];
  for (let i = 0; i < c.steps.length; i++) {
    if (c.parallel && i === 1 && c.steps.length > 2) {
      lines.push(
        '  - name: pair',
        '    parallel: true',
        '    steps:',
        ...step(1, '      '),
        ...step(2, '      '),
      );
      i = 2;
      continue;
    }
    lines.push(...step(i, '  '));
  }
  if (c.onFailureHook)
    lines.push(
      'on_failure:',
      '  - name: undo',
      `    command: ${JSON.stringify(command('undo', { ms: 50, fails: false }))}`,
    );
  return `${lines.join('\n')}\n`;
}

function execLog(dir: string): string[][] {
  try {
    return readFileSync(join(dir, 'exec.log'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' '));
  } catch {
    return [];
  }
}

/** Runs the workflow and ends the process as the case says; resolves when it has exited. */
async function runAndKill(dir: string, c: Case): Promise<void> {
  const child = spawn(process.execPath, [BIN, 'run', 'wf.yaml', '--run-id', 'prop', '--state-dir', 'state'], {
    cwd: dir,
    env: { ...process.env, CI: 'true', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', () => {});
  child.stderr.on('data', () => {});
  let exited = false;
  const done = new Promise<void>((r) =>
    child.on('exit', () => {
      exited = true;
      r();
    }),
  );
  const poll = setInterval(() => {
    if (exited || execLog(dir).filter((l) => l[0] === 'start').length < c.afterStarts) return;
    clearInterval(poll);
    setTimeout(() => {
      if (exited) return;
      // A closed stdout is what `| head` does: the read end of the pipe goes away.
      if (c.kill === 'EPIPE') child.stdout.destroy();
      else child.kill(c.kill);
    }, c.delayMs);
  }, 10);
  await done;
  clearInterval(poll);
}

test('after a random kill at a random moment and a resume, each attempt ran at most once and the phase matches the steps', async () => {
  const runs = Number(process.env.CONVEYOR_PROPERTY_RUNS ?? 8);
  await fc.assert(
    fc.asyncProperty(caseArbitrary, async (c) => {
      const dir = tempDir('conveyor-property-');
      writeFileSync(join(dir, 'wf.yaml'), workflowYaml(c));
      await runAndKill(dir, c);
      const resumed = await conveyor(['resume', 'prop', '--state-dir', 'state', '--output', 'json'], {
        cwd: dir,
      });
      assert.ok(resumed.code !== 2, `resume refused: ${resumed.stderr}`);
      const history = await conveyor(['history', '--state-dir', 'state', '--output', 'json'], { cwd: dir });
      const phase = (JSON.parse(history.stdout) as { runs: { phase: string }[] }).runs[0]?.phase;

      const log = execLog(dir);
      const starts = log.filter((l) => l[0] === 'start').map((l) => `${l[1]}#${l[2]}`);
      assert.equal(new Set(starts).size, starts.length, `an attempt ran twice:\n${starts.join('\n')}`);

      const anyFails = c.steps.some((s) => s.fails);
      assert.equal(
        phase,
        anyFails ? 'Failed' : 'Succeeded',
        `log:\n${log.map((l) => l.join(' ')).join('\n')}`,
      );
      if (!anyFails) {
        // Every step of a succeeded run really ran to a successful end in some attempt.
        for (let i = 0; i < c.steps.length; i++)
          assert.ok(
            log.some((l) => l[0] === 'end' && l[1] === `s${i}` && l[3] === '0'),
            `s${i} never ended well, yet the run succeeded`,
          );
      }
    }),
    { numRuns: runs, endOnFailure: true },
  );
});
