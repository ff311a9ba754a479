// Limits and budgets: max_parallel (and --parallel), parallel_limit, cpu/memory budgets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunningAttempt } from './helpers/simulator.ts';
import { run } from './helpers/run.ts';
import { parallel, step, workflow } from './helpers/workflow.ts';

function peak(samples: number[]): number {
  return Math.max(0, ...samples);
}

function mains(running: ReadonlyMap<string, RunningAttempt>): RunningAttempt[] {
  return [...running.values()].filter((r) => r.action.purpose === 'main');
}

const MI = 1024 * 1024;

describe('limits and budgets', () => {
  it('never runs more steps than max_parallel', () => {
    const samples: number[] = [];
    const r = run(
      workflow(
        [
          parallel(
            'p',
            ['a', 'b', 'c', 'd', 'e'].map((n) => step(n)),
          ),
        ],
        { resourceLimits: { maxParallel: 2 } },
      ),
      { check: (_s, running) => samples.push(mains(running).length) },
    );
    assert.equal(peak(samples), 2);
    assert.deepEqual(
      r.attempts.map((a) => a.start),
      [0, 0, 10, 10, 20],
    );
  });

  it('lets --parallel lower max_parallel but never raise it', () => {
    const wf = workflow(
      [
        parallel(
          'p',
          ['a', 'b', 'c', 'd'].map((n) => step(n)),
        ),
      ],
      {
        resourceLimits: { maxParallel: 3 },
      },
    );
    const lowered = run(wf, {}, { options: { maxParallel: 1 } });
    assert.equal(lowered.state.limits.maxParallel, 1);
    assert.deepEqual(
      lowered.attempts.map((a) => a.start),
      [0, 10, 20, 30],
    );
    const raised = run(wf, {}, { options: { maxParallel: 10 } });
    assert.equal(raised.state.limits.maxParallel, 3);
  });

  it('honours a group parallel_limit while other groups run freely', () => {
    const r = run(
      workflow([
        parallel('outer', [
          parallel(
            'limited',
            ['a', 'b', 'c', 'd'].map((n) => step(n)),
            { parallelLimit: 2 },
          ),
          parallel('free', [step('x'), step('y')]),
        ]),
      ]),
    );
    assert.deepEqual(Object.fromEntries(r.attempts.map((a) => [a.step, a.start])), {
      a: 0,
      b: 0,
      x: 0,
      y: 0,
      c: 10,
      d: 10,
    });
  });

  it('keeps the running steps inside the cpu and memory budgets (the seed resource-management shape)', () => {
    const samples: { cpu: number; mem: number }[] = [];
    const r = run(
      workflow(
        [
          parallel(
            'resource_intensive_tasks',
            [
              step('large_backup', { resources: { cpuMillis: 1000, memoryBytes: 512 * MI } }),
              step('log_analysis', { resources: { cpuMillis: 500, memoryBytes: 256 * MI } }),
              step('metrics_aggregation', { resources: { cpuMillis: 500, memoryBytes: 256 * MI } }),
              step('extra', { resources: { cpuMillis: 1000, memoryBytes: 128 * MI } }),
            ],
            { resourceRequirements: { cpuMillis: 2000, memoryBytes: 1024 * MI } },
          ),
        ],
        { resourceLimits: { maxParallel: 5, cpuMillis: 4000, memoryBytes: 2048 * MI } },
      ),
      {
        check: (_s, running) => {
          const m = mains(running);
          samples.push({
            cpu: m.reduce((n, a) => n + (a.action.resources?.cpuMillis ?? 0), 0),
            mem: m.reduce((n, a) => n + (a.action.resources?.memoryBytes ?? 0), 0),
          });
        },
      },
    );
    assert.ok(samples.every((s) => s.cpu <= 2000 && s.mem <= 1024 * MI));
    assert.deepEqual(Object.fromEntries(r.attempts.map((a) => [a.step, a.start])), {
      large_backup: 0,
      log_analysis: 0,
      metrics_aggregation: 0,
      extra: 10,
    });
  });

  it('lets a smaller ready step start when a bigger one does not fit', () => {
    const r = run(
      workflow(
        [
          parallel('p', [
            step('running', { resources: { cpuMillis: 600 } }),
            step('big', { resources: { cpuMillis: 600 } }),
            step('small', { resources: { cpuMillis: 300 } }),
          ]),
        ],
        { resourceLimits: { cpuMillis: 1000 } },
      ),
    );
    assert.equal(r.main('small').start, 0);
    assert.equal(r.main('big').start, 10);
  });

  it('counts a step without resources as zero against cpu and memory budgets', () => {
    const r = run(
      workflow([parallel('p', [step('a'), step('b'), step('c')])], { resourceLimits: { cpuMillis: 1 } }),
    );
    assert.deepEqual(
      r.attempts.map((a) => a.start),
      [0, 0, 0],
    );
  });

  it('fails a step that could never fit its budget instead of waiting forever', () => {
    const r = run(
      workflow([step('huge', { resources: { cpuMillis: 8000 } })], { resourceLimits: { cpuMillis: 4000 } }),
    );
    assert.equal(r.step('huge').phase, 'Failed');
    assert.equal(r.step('huge').reason, 'ResourceBudgetExceeded');
    assert.match(r.step('huge').message ?? '', /resource_limits/);
    assert.equal(r.state.phase, 'Failed');
  });

  it('does not count hooks against max_parallel', () => {
    const r = run(
      workflow(
        [parallel('p', [step('a', { onFailure: [step('a_hook')] }), step('b', { continueOnError: true })])],
        { resourceLimits: { maxParallel: 1 }, errorHandling: { strategy: 'continue_on_error' } },
      ),
      { script: { a: { exit: 1 }, b: { durationMs: 50 } } },
    );
    assert.equal(r.startsOf('a_hook')[0]?.start, 10);
    assert.equal(r.main('b').start, 10);
  });
});
