// Property-based tests over random workflows (groups, parallel flags, limits, budgets, depends_on
// without cycles, conditions, retries, approvals) and random outcomes: the engine's invariants.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { buildPlan } from '../../../src/engine/plan.ts';
import { prepareResume } from '../../../src/engine/resume.ts';
import { createRunState } from '../../../src/engine/state.ts';
import { TERMINAL_STEP_PHASES } from '../../../src/engine/types.ts';
import type { Plan, RunState, StepPhase } from '../../../src/engine/types.ts';
import type { BackoffKind, ErrorStrategy, Step, Workflow } from '../../../src/spec/model.ts';
import { simulate } from './helpers/simulator.ts';
import type { RunningAttempt, SimOptions, SimResult, Timed } from './helpers/simulator.ts';
import { group, step, workflow } from './helpers/workflow.ts';

interface NodeSpec {
  readonly parentPick: number;
  readonly isGroup: boolean;
  readonly parallel: boolean;
  readonly parallelLimit: number | undefined;
  readonly groupCpu: number | undefined;
  readonly cpu: number | undefined;
  readonly when: 'true' | 'false' | undefined;
  readonly continueOnError: boolean;
  readonly retry: { attempts: number; delayMs: number; backoff: BackoffKind } | undefined;
  readonly priority: number | undefined;
  readonly approval: 'approve' | 'reject' | undefined;
  readonly atomic: boolean;
  readonly hooks: boolean;
  readonly depPicks: readonly number[];
  readonly exits: readonly number[];
  readonly duration: number;
}

interface DagSpec {
  readonly nodes: readonly NodeSpec[];
  readonly strategy: ErrorStrategy;
  readonly maxParallel: number | undefined;
  readonly cpuLimit: number | undefined;
  readonly cancelAt: number | undefined;
  readonly timeoutMs: number | undefined;
}

const nodeArb: fc.Arbitrary<NodeSpec> = fc.record({
  parentPick: fc.nat(),
  isGroup: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
  parallel: fc.boolean(),
  parallelLimit: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  groupCpu: fc.option(fc.integer({ min: 1000, max: 3000 }), { nil: undefined }),
  cpu: fc.option(fc.integer({ min: 100, max: 1500 }), { nil: undefined }),
  when: fc.constantFrom<'true' | 'false' | undefined>(undefined, undefined, undefined, 'true', 'false'),
  continueOnError: fc.integer({ min: 0, max: 7 }).map((n) => n === 0),
  retry: fc.option(
    fc.record({
      attempts: fc.integer({ min: 1, max: 3 }),
      delayMs: fc.integer({ min: 0, max: 50 }),
      backoff: fc.constantFrom<BackoffKind>('constant', 'linear', 'exponential'),
    }),
    { nil: undefined },
  ),
  priority: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  approval: fc
    .integer({ min: 0, max: 19 })
    .map((n): 'approve' | 'reject' | undefined => (n === 0 ? 'reject' : n < 3 ? 'approve' : undefined)),
  atomic: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
  hooks: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
  depPicks: fc.array(fc.nat(), { maxLength: 3 }),
  exits: fc.array(fc.constantFrom(0, 0, 0, 0, 0, 1), { minLength: 1, maxLength: 3 }),
  duration: fc.integer({ min: 1, max: 50 }),
});

const dagArb: fc.Arbitrary<DagSpec> = fc.record({
  nodes: fc.array(nodeArb, { minLength: 1, maxLength: 40, size: 'max' }),
  strategy: fc.constantFrom<ErrorStrategy>('fail_fast', 'continue_on_error', 'retry'),
  maxParallel: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  cpuLimit: fc.option(fc.integer({ min: 1500, max: 4000 }), { nil: undefined }),
  cancelAt: fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined, freq: 5 }),
  timeoutMs: fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined, freq: 5 }),
});

interface Built {
  readonly wf: Workflow;
  readonly sim: SimOptions;
}

/** Builds a workflow whose depends_on only point at nodes earlier in document order that are not ancestors: never a cycle. */
function build(spec: DagSpec): Built {
  const n = spec.nodes.length;
  const parent: number[] = [];
  const children: number[][] = spec.nodes.map(() => []);
  const roots: number[] = [];
  const groups: number[] = [];
  spec.nodes.forEach((node, k) => {
    const pick = node.parentPick % (groups.length + 1);
    const p = pick === 0 ? -1 : (groups[pick - 1] as number);
    parent.push(p);
    (p === -1 ? roots : (children[p] as number[])).push(k);
    if (node.isGroup) groups.push(k);
  });
  const preorder: number[] = [];
  const visit = (k: number): void => {
    preorder.push(k);
    for (const c of children[k] as number[]) visit(c);
  };
  roots.forEach(visit);
  const position = new Array<number>(n);
  preorder.forEach((k, i) => (position[k] = i));
  const isAncestor = (a: number, k: number): boolean => {
    for (let p = parent[k] as number; p !== -1; p = parent[p] as number) if (p === a) return true;
    return false;
  };
  const name = (k: number): string => `n${k}`;
  const script: Record<string, { exit: number; durationMs: number }[]> = {};
  const approvals = new Map<string, 'approve' | 'reject'>();
  const make = (k: number): Step => {
    const node = spec.nodes[k] as NodeSpec;
    const candidates = preorder.filter(
      (j) => (position[j] as number) < (position[k] as number) && !isAncestor(j, k),
    );
    const deps = [
      ...new Set(
        node.depPicks.flatMap((d) =>
          candidates.length ? [name(candidates[d % candidates.length] as number)] : [],
        ),
      ),
    ];
    const common: Partial<Step> = {
      dependsOn: deps,
      continueOnError: node.continueOnError,
      ...(node.when !== undefined ? { when: node.when } : {}),
      ...(node.priority !== undefined ? { priority: node.priority } : {}),
      ...(node.approval !== undefined ? { manualApproval: true } : {}),
    };
    if (node.approval) approvals.set(name(k), node.approval);
    const isGroup = node.isGroup && (children[k] as number[]).length > 0;
    if (isGroup) {
      return group(name(k), (children[k] as number[]).map(make), {
        ...common,
        parallel: node.parallel || node.parallelLimit !== undefined,
        ...(node.parallelLimit !== undefined ? { parallelLimit: node.parallelLimit } : {}),
        ...(node.groupCpu !== undefined ? { resourceRequirements: { cpuMillis: node.groupCpu } } : {}),
        atomic: node.atomic,
        ...(node.hooks ? { onFailure: [step(`${name(k)}_on_failure`)] } : {}),
      });
    }
    script[name(k)] = node.exits.map((exit) => ({ exit, durationMs: node.duration }));
    return step(name(k), {
      ...common,
      ...(node.cpu !== undefined ? { resources: { cpuMillis: node.cpu } } : {}),
      ...(node.retry !== undefined ? { retry: node.retry } : {}),
      rollbackCommand: `undo ${name(k)}`,
      ...(node.hooks
        ? { onFailure: [step(`${name(k)}_on_failure`)], onRetry: [step(`${name(k)}_on_retry`)] }
        : {}),
    });
  };
  const wf = workflow(roots.map(make), {
    ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}),
    onFailure: [step('wf_on_failure')],
    onSuccess: [step('wf_on_success')],
    rollback: {
      enabled: true,
      automatic: true,
      conditions: ['deployment_timeout'],
      steps: [step('wf_rollback')],
    },
    errorHandling: {
      strategy: spec.strategy,
      ...(spec.strategy === 'retry'
        ? { retry: { attempts: 2, delayMs: 7, backoff: 'constant' as const } }
        : {}),
    },
    ...(spec.maxParallel !== undefined || spec.cpuLimit !== undefined
      ? {
          resourceLimits: {
            ...(spec.maxParallel !== undefined ? { maxParallel: spec.maxParallel } : {}),
            ...(spec.cpuLimit !== undefined ? { cpuMillis: spec.cpuLimit } : {}),
          },
        }
      : {}),
  });
  const onApproval = (request: { step: string }, now: number): Timed[] => [
    {
      at: now + 5,
      observation: {
        kind: 'approvalDecided',
        step: request.step,
        user: 'approver',
        decision: approvals.get(request.step) === 'reject' ? 'rejected' : 'approved',
        at: now + 5,
      },
    },
  ];
  const inject: Timed[] =
    spec.cancelAt === undefined ? [] : [{ at: spec.cancelAt, observation: { kind: 'cancelRequested' } }];
  return { wf, sim: { script, onApproval, inject, maxCalls: 10_000 } };
}

const TERMINAL = new Set<StepPhase>(TERMINAL_STEP_PHASES);

/** Checked after every decide: limits and budgets hold, and no main step leaves a terminal phase. */
function invariantChecker(
  plan: Plan,
): (state: RunState, running: ReadonlyMap<string, RunningAttempt>) => void {
  const ended = new Map<number, StepPhase>();
  return (state, running) => {
    const count = new Map<number, number>();
    const cpu = new Map<number, number>();
    let total = 0;
    let totalCpu = 0;
    for (const r of running.values()) {
      if (r.action.purpose !== 'main') continue;
      const i = plan.byName.get(r.action.step) as number;
      const need = r.action.resources?.cpuMillis ?? 0;
      total++;
      totalCpu += need;
      for (let p = plan.nodes[i]?.parent ?? -1; p !== -1; p = plan.nodes[p]?.parent ?? -1) {
        count.set(p, (count.get(p) ?? 0) + 1);
        cpu.set(p, (cpu.get(p) ?? 0) + need);
      }
    }
    const limits = state.limits;
    if (limits.maxParallel !== undefined)
      assert.ok(total <= limits.maxParallel, `running ${total} > max_parallel`);
    if (limits.cpuMillis !== undefined)
      assert.ok(totalCpu <= limits.cpuMillis, `cpu ${totalCpu} > cpu_limit`);
    for (const [g, c] of count) {
      const s = plan.nodes[g]?.step as Step;
      if (s.parallel && s.parallelLimit !== undefined)
        assert.ok(c <= s.parallelLimit, `group ${s.name} runs ${c}`);
      const budget = s.resourceRequirements?.cpuMillis;
      if (budget !== undefined) assert.ok((cpu.get(g) ?? 0) <= budget, `group ${s.name} over its cpu budget`);
    }
    for (let i = 0; i < plan.mainNodeCount; i++) {
      const phase = state.steps[i]?.phase as StepPhase;
      const before = ended.get(i);
      if (before !== undefined) assert.equal(phase, before, `step ${state.steps[i]?.name} left ${before}`);
      else if (TERMINAL.has(phase)) ended.set(i, phase);
    }
  };
}

function firstStart(result: SimResult, plan: Plan, i: number): number | undefined {
  const node = plan.nodes[i];
  if (!node) return undefined;
  if (node.isGroup) return result.state.steps[i]?.startedAt;
  return result.attempts.find((a) => a.step === node.name && a.purpose === 'main')?.start;
}

const PROPERTY_RUNS = Number(process.env.PROPERTY_RUNS ?? 200);

describe('engine properties over random workflows', () => {
  it('respects dependencies, sequences and group order', () => {
    fc.assert(
      fc.property(dagArb, (spec) => {
        const { wf, sim } = build(spec);
        const plan = buildPlan(wf);
        const result = simulate(plan, createRunState(plan, { runId: 'p', context: {} }, 0), sim);
        for (let i = 0; i < plan.mainNodeCount; i++) {
          const start = firstStart(result, plan, i);
          if (start === undefined) continue;
          for (let a = i; a !== -1; a = plan.nodes[a]?.parent ?? -1) {
            for (const p of plan.nodes[a]?.predecessors ?? []) {
              const pred = result.state.steps[p];
              assert.ok(
                pred?.finishedAt !== undefined && pred.finishedAt <= start,
                `${plan.nodes[i]?.name} started before ${pred?.name} ended`,
              );
              // Only a step that declares continue_on_error lets its dependents run; the strategy
              // continue_on_error (make -k) skips them, so it is deliberately not accepted here.
              if (pred.phase === 'Failed' && !plan.nodes[p]?.isGroup) {
                assert.ok(
                  plan.nodes[p]?.continueOnError,
                  `${plan.nodes[i]?.name} ran after ${pred.name} failed`,
                );
              }
            }
          }
        }
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('never runs more than any limit or budget allows, and no step leaves a terminal phase', () => {
    fc.assert(
      fc.property(dagArb, (spec) => {
        const { wf, sim } = build(spec);
        const plan = buildPlan(wf);
        simulate(plan, createRunState(plan, { runId: 'p', context: {} }, 0), {
          ...sim,
          check: invariantChecker(plan),
        });
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('ends every step in exactly one terminal phase and every attempt once', () => {
    fc.assert(
      fc.property(dagArb, (spec) => {
        const { wf, sim } = build(spec);
        const plan = buildPlan(wf);
        const result = simulate(plan, createRunState(plan, { runId: 'p', context: {} }, 0), {
          ...sim,
          checkIdempotent: true,
        });
        assert.equal(result.state.stage, 'done');
        for (const st of result.state.steps) {
          assert.ok(TERMINAL.has(st.phase), `${st.name} ended ${st.phase}`);
          assert.equal(st.current, undefined);
        }
        assert.ok(
          result.attempts.every((a) => a.end !== undefined),
          'an attempt never finished',
        );
        assert.equal(new Set(result.attempts.map((a) => a.id)).size, result.attempts.length);
        const main = result.state.steps.slice(0, plan.mainNodeCount);
        const anyFailed = main.some((s) => s.phase === 'Failed');
        const allOk = main.every(
          (s) => s.phase === 'Succeeded' || s.phase === 'FellBack' || s.reason === 'ConditionFalse',
        );
        if (result.state.phase === 'Succeeded') assert.ok(allOk && !anyFailed);
        else if (result.state.phase === 'Failed')
          assert.ok(anyFailed || result.state.reason === 'DeadlineExceeded');
        else assert.ok(result.state.phase === 'Cancelled' && spec.cancelAt !== undefined);
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('gives the same decisions for the same inputs, also when every call reloads the state', () => {
    fc.assert(
      fc.property(dagArb, (spec) => {
        const { wf, sim } = build(spec);
        const plan = buildPlan(wf);
        const state = createRunState(plan, { runId: 'p', context: {} }, 0);
        const one = simulate(plan, state, sim);
        const two = simulate(buildPlan(wf), state, sim);
        const reloaded = simulate(plan, state, { ...sim, roundTrip: true });
        assert.deepEqual(two.actions, one.actions);
        assert.deepEqual(two.state, one.state);
        assert.deepEqual(reloaded.actions, one.actions);
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it('resumes a failed run to success without re-running what succeeded', () => {
    fc.assert(
      fc.property(dagArb, (spec) => {
        const { wf, sim } = build({ ...spec, cancelAt: undefined, timeoutMs: undefined });
        const plan = buildPlan(wf);
        const first = simulate(plan, createRunState(plan, { runId: 'p', context: {} }, 0), sim);
        if (first.state.phase !== 'Failed') return;
        const kept = new Set(
          first.state.steps.flatMap((st, i) =>
            i < plan.mainNodeCount &&
            !plan.nodes[i]?.isGroup &&
            st.phase === 'Succeeded' &&
            st.undone === undefined
              ? [st.name]
              : [],
          ),
        );
        const resumed = prepareResume(plan, first.state, first.end);
        const second = simulate(plan, resumed, {
          start: first.end,
          onApproval: (request, now) => [
            {
              at: now,
              observation: {
                kind: 'approvalDecided',
                step: request.step,
                user: 'u2',
                decision: 'approved',
                at: now,
              },
            },
          ],
        });
        // A step too big for its budget fails on every run; anything else must now succeed.
        const tooBig = second.state.steps.some((st) => st.reason === 'ResourceBudgetExceeded');
        assert.equal(second.state.phase, tooBig ? 'Failed' : 'Succeeded');
        for (const a of second.attempts)
          if (a.purpose === 'main') assert.ok(!kept.has(a.step), `${a.step} ran again`);
        const ids = [...first.attempts, ...second.attempts].map((a) => a.id);
        assert.equal(new Set(ids).size, ids.length, 'an attempt id was reused');
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });
});
