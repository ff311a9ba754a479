// The working copy of one `decide` call: copy-on-write over the input state (so the caller's state is
// never touched), the derived indexes that make a decision cost what changed, and the action list.
import { MinHeap } from './heap.ts';
import type { Action, Activity, EventType, Plan, PlanNode, RunState, StepPhase, StepState } from './types.ts';

export type Draft = { -readonly [K in keyof RunState]: RunState[K] };

/** Timer kinds, in the order timers due at the same instant fire. */
export type TimerKind = 'deadline' | 'retry' | 'approval';
const TIMER_ORDER: Record<TimerKind, number> = { deadline: 0, retry: 1, approval: 2 };

export interface Timer {
  readonly at: number;
  readonly kind: TimerKind;
  readonly node: number;
}

/**
 * Facts derivable from the state, kept incrementally between calls. `buildIndexes` recomputes them
 * from any state, so they are a cache: a decision never depends on whether they were rebuilt.
 */
export interface Indexes {
  /** Main nodes: predecessors not yet ended, plus one while the parent (or the stage) holds them. */
  readonly blockers: Int32Array;
  /** Groups: children not yet ended. */
  readonly openChildren: Int32Array;
  /** Main leaves in phase Waiting, by priority then document order (may hold stale entries). */
  readonly ready: MinHeap<number>;
  /** Waiting leaves set aside until a running leaf under the scope (-1: the workflow) ends. */
  readonly parked: Map<number, number[]>;
  /** Running main leaves per budget scope (group index), and their summed resources. */
  readonly scopeCount: Int32Array;
  readonly scopeCpu: Float64Array;
  readonly scopeMem: Float64Array;
  global: { count: number; cpu: number; mem: number };
  readonly timers: MinHeap<Timer>;
  /** Main nodes whose readiness must be (re)considered. */
  readonly readyQueue: number[];
  readyHead: number;
  /** Counters over main nodes by phase. */
  nonTerminal: number;
  waiting: number;
  awaiting: number;
  retrying: number;
  failed: number;
}

const TERMINAL = new Set<StepPhase>(['Succeeded', 'Failed', 'Skipped', 'FellBack', 'Cancelled']);

export function isTerminal(phase: StepPhase): boolean {
  return TERMINAL.has(phase);
}

export function newIndexes(plan: Plan): Indexes {
  const n = plan.mainNodeCount;
  const prio = plan.nodes;
  return {
    blockers: new Int32Array(n),
    openChildren: new Int32Array(n),
    ready: new MinHeap<number>((a, b) => {
      const pa = (prio[a] as PlanNode).priority;
      const pb = (prio[b] as PlanNode).priority;
      return pa === pb ? a < b : pa < pb;
    }),
    parked: new Map(),
    scopeCount: new Int32Array(n),
    scopeCpu: new Float64Array(n),
    scopeMem: new Float64Array(n),
    global: { count: 0, cpu: 0, mem: 0 },
    timers: new MinHeap<Timer>((a, b) =>
      a.at !== b.at
        ? a.at < b.at
        : a.kind !== b.kind
          ? TIMER_ORDER[a.kind] < TIMER_ORDER[b.kind]
          : a.node < b.node,
    ),
    readyQueue: [],
    readyHead: 0,
    nonTerminal: 0,
    waiting: 0,
    awaiting: 0,
    retrying: 0,
    failed: 0,
  };
}

export class Work {
  readonly d: Draft;
  readonly actions: Action[] = [];
  /** Bumped by every change; the settle loop runs until it stops moving. */
  changes = 0;
  /** Running groups whose children have all ended, in the order they did; drained by settle(). */
  readonly groupsToConclude: number[] = [];
  private ownSteps = false;
  private ownOutputs = false;
  private data: Record<string, unknown> | undefined;

  constructor(
    readonly plan: Plan,
    base: RunState,
    readonly now: number,
    readonly ix: Indexes,
  ) {
    this.d = { ...base };
  }

  node(i: number): PlanNode {
    return this.plan.nodes[i] as PlanNode;
  }

  step(i: number): StepState {
    return this.d.steps[i] as StepState;
  }

  isMain(i: number): boolean {
    return i < this.plan.mainNodeCount;
  }

  /** Replaces a step's entry; fields patched to undefined are left out, so the state stays plain JSON. */
  patchStep(i: number, patch: Partial<StepState>): StepState {
    if (!this.ownSteps) {
      this.d.steps = this.d.steps.slice();
      this.ownSteps = true;
    }
    const old = this.d.steps[i] as StepState;
    // Built key by key rather than spread-then-delete: `delete` would push the object into V8's
    // slow dictionary mode, and every later copy of it would pay for that.
    const next: Record<string, unknown> = {};
    const src = old as unknown as Record<string, unknown>;
    const add = patch as Record<string, unknown>;
    for (const key in src) if (!(key in add)) next[key] = src[key];
    for (const key in add) if (add[key] !== undefined) next[key] = add[key];
    (this.d.steps as StepState[])[i] = next as unknown as StepState;
    if (patch.phase !== undefined && patch.phase !== old.phase && this.isMain(i)) {
      this.count(old.phase, -1);
      this.count(patch.phase, 1);
    }
    this.changes++;
    return next as unknown as StepState;
  }

  private count(phase: StepPhase, delta: number): void {
    const ix = this.ix;
    if (!isTerminal(phase)) ix.nonTerminal += delta;
    if (phase === 'Waiting') ix.waiting += delta;
    else if (phase === 'AwaitingApproval') ix.awaiting += delta;
    else if (phase === 'Retrying') ix.retrying += delta;
    else if (phase === 'Failed') ix.failed += delta;
  }

  setOutput(name: string, value: string): void {
    if (!this.ownOutputs) {
      this.d.outputs = { ...this.d.outputs };
      this.ownOutputs = true;
    }
    (this.d.outputs as Record<string, string>)[name] = value;
    this.data = undefined;
    this.changes++;
  }

  /** What templates see: the run's context with the outputs captured so far. */
  templateData(): Readonly<Record<string, unknown>> {
    this.data ??= { ...this.d.context, outputs: this.d.outputs };
    return this.data;
  }

  raise(...conditions: (string | undefined)[]): void {
    for (const c of conditions) {
      if (c !== undefined && !this.d.raised.includes(c)) this.d.raised = [...this.d.raised, c];
    }
  }

  activity(id: string): Activity | undefined {
    return this.d.activities.find((a) => a.id === id);
  }

  putActivity(activity: Activity): void {
    const list = this.d.activities;
    const k = list.findIndex((a) => a.id === activity.id);
    this.d.activities = k === -1 ? [...list, activity] : list.map((a, j) => (j === k ? activity : a));
    this.changes++;
  }

  dropActivity(id: string): void {
    this.d.activities = this.d.activities.filter((a) => a.id !== id);
    this.changes++;
  }

  emit(action: Action): void {
    this.actions.push(action);
  }

  event(type: EventType, severity: 'info' | 'warning' | 'error', message: string, step?: string): void {
    this.actions.push(
      step === undefined
        ? { kind: 'event', type, severity, message }
        : { kind: 'event', type, severity, step, message },
    );
  }

  enqueueReady(i: number): void {
    this.ix.readyQueue.push(i);
  }

  /** A running group's last child ended; settle() concludes it (groups.ts), not the code that ended the child. */
  enqueueGroupEnd(g: number): void {
    this.groupsToConclude.push(g);
  }

  commit(): RunState {
    return this.d as RunState;
  }
}
