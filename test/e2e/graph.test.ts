// `conveyor graph` as users run it: every example drawn in the three formats, the DOT accepted by
// Graphviz's own `dot` and the SVG by libxml2's `xmllint` (Debian's graphviz and libxml2-utils,
// installed by .ci/run: missing tools fail these tests in CI rather than skip them), and a local
// run drawn with the phases its steps ended in.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadWorkflow } from '../../src/spec/load.ts';
import type { Step } from '../../src/spec/model.ts';
import { conveyor, REPO, tempDir } from './cli-harness.ts';

const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const missing = (tool: string, pkg: string) =>
  has(tool) || process.env.CI ? false : `${tool} is not installed (apt-get install ${pkg})`;

const EXAMPLES = readdirSync(join(REPO, 'examples'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => `examples/${f}`);

/** The names of a workflow's main steps, groups included. */
function stepNames(file: string): string[] {
  const { workflow } = loadWorkflow(readFileSync(join(REPO, file), 'utf8'), file);
  assert.ok(workflow, file);
  const names = (steps: readonly Step[]): string[] => steps.flatMap((s) => [s.name, ...names(s.steps)]);
  return names(workflow.steps);
}

/** Runs a tool with `input` on stdin; fails the test with its stderr when it exits non-zero. */
function check(tool: string, args: string[], input: string, what: string): string {
  const r = spawnSync(tool, args, { input, encoding: 'utf8' });
  assert.equal(r.status, 0, `${tool} ${args.join(' ')} refused ${what}:\n${r.stderr}\n${input}`);
  return r.stdout;
}

describe('conveyor graph', () => {
  test(
    'draws every example as DOT that Graphviz lays out',
    { skip: missing('dot', 'graphviz') },
    async () => {
      for (const file of EXAMPLES) {
        const r = await conveyor(['graph', file, '-o', 'dot']);
        assert.equal(r.code, 0, r.stderr);
        const svg = check('dot', ['-Tsvg'], r.stdout, file);
        assert.match(svg, /<svg/);
      }
    },
  );

  test(
    'draws every example as an SVG that parses as XML, with every step in it',
    { skip: missing('xmllint', 'libxml2-utils') },
    async () => {
      for (const file of EXAMPLES) {
        const r = await conveyor(['graph', file, '-o', 'svg']);
        assert.equal(r.code, 0, r.stderr);
        check('xmllint', ['--noout', '-'], r.stdout, file);
        const main = stepNames(file);
        assert.ok(main.length > 0, `${file} has steps`);
        for (const step of main) {
          assert.ok(r.stdout.includes(`data-step="${step}"`), `${file}: ${step} is drawn`);
        }
      }
    },
  );

  test('draws a local run with the phase each step ended in', async () => {
    const dir = tempDir();
    const run = await conveyor([
      'run',
      'examples/build-test-package.yaml',
      '--state-dir',
      dir,
      '--output',
      'json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const { run_id: runId } = JSON.parse(run.stdout) as { run_id: string };
    const r = await conveyor(['graph', runId, '--state-dir', dir, '-o', 'mermaid']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /classDef phaseSucceeded/);
    assert.match(r.stdout, /\["package #183; Succeeded"\]/);
    const out = join(dir, 'run.svg');
    const svg = await conveyor(['graph', runId, '--state-dir', dir, '-o', 'svg', '--out', out]);
    assert.equal(svg.code, 0, svg.stderr);
    assert.match(readFileSync(out, 'utf8'), /data-step="package" data-phase="Succeeded"/);
  });

  test('says what is wrong with an unknown run or format, with exit code 2', async () => {
    const dir = tempDir();
    const unknown = await conveyor(['graph', 'no-such-run', '--state-dir', dir]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no workflow file and no run named no-such-run/);
    const format = await conveyor(['graph', EXAMPLES[0]!, '-o', 'png']);
    assert.equal(format.code, 2);
    assert.match(format.stderr, /-o must be one of mermaid, dot, svg/);
  });
});
