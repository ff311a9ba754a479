// Judges a chaos run from what the steps wrote (the execution log) against the runs' final objects
// and the approver's decisions: duplicate and unapproved executions, lost, stuck and wrong runs.
import { GATED_STEP, type RunPlan } from './workload.ts';

export interface Execution {
  run: string;
  step: string;
  attempt: number;
  startedAt: number;
  endedAt?: number;
  exitCode?: number;
}

/** Parses `start RUN STEP ATTEMPT MS` and `end RUN STEP ATTEMPT MS CODE` lines into executions. */
export function parseExecutionLog(text: string): Execution[] {
  const executions: Execution[] = [];
  const open = new Map<string, Execution[]>();
  for (const line of text.split('\n')) {
    const [what, run, step, attempt, ms, code] = line.trim().split(/\s+/);
    if (!run || !step || !attempt || !ms) continue;
    const key = `${run} ${step} ${attempt}`;
    if (what === 'start') {
      const execution: Execution = { run, step, attempt: Number(attempt), startedAt: Number(ms) };
      executions.push(execution);
      open.set(key, [...(open.get(key) ?? []), execution]);
    } else if (what === 'end') {
      // An end belongs to the earliest start of the same attempt that has not ended yet.
      const started = open.get(key)?.find((e) => e.endedAt === undefined);
      if (started) {
        started.endedAt = Number(ms);
        started.exitCode = Number(code);
      }
    }
  }
  return executions;
}

export interface FinalRun {
  name: string;
  phase?: string;
  steps?: Record<string, { phase?: string; attempts?: number }>;
}

export interface Verdict {
  runs: number;
  /** Executions of an attempt beyond its first, plus executions of one step that overlapped in time. */
  duplicateExecutions: number;
  /** Gated steps that started before the approval was given, or in a run never approved. */
  unapprovedExecutions: number;
  /** Runs gone, or claiming a step succeeded that never ran to a successful end. */
  lostRuns: number;
  /** Runs not finished when the chaos ended. */
  stuckRuns: number;
  /** Finished runs in another phase than expected. */
  wrongFinalPhases: number;
  /** One line per problem found, for the report. */
  details: string[];
}

const TERMINAL = new Set(['Succeeded', 'Failed', 'Cancelled']);

export function judge(
  plans: readonly RunPlan[],
  finals: ReadonlyMap<string, FinalRun>,
  executions: readonly Execution[],
  approvedAt: ReadonlyMap<string, number>,
): Verdict {
  const details: string[] = [];
  let duplicateExecutions = 0;
  let unapprovedExecutions = 0;
  let lostRuns = 0;
  let stuckRuns = 0;
  let wrongFinalPhases = 0;
  const byRun = new Map<string, Execution[]>();
  for (const e of executions) byRun.set(e.run, [...(byRun.get(e.run) ?? []), e]);

  for (const plan of plans) {
    const ran = byRun.get(plan.name) ?? [];
    const steps = new Map<string, Execution[]>();
    for (const e of ran) steps.set(e.step, [...(steps.get(e.step) ?? []), e]);
    for (const [step, list] of steps) {
      const attempts = new Map<number, number>();
      for (const e of list) attempts.set(e.attempt, (attempts.get(e.attempt) ?? 0) + 1);
      for (const [attempt, times] of attempts) {
        if (times > 1) {
          duplicateExecutions += times - 1;
          details.push(`${plan.name}: step ${step} attempt ${attempt} ran ${times} times`);
        }
      }
      // Two attempts of one step at the same time (a new attempt while an orphaned one still ran).
      const overlapping = new Set<string>();
      for (const a of list) {
        for (const b of list) {
          if (a.attempt >= b.attempt || a.endedAt === undefined) continue;
          if (a.startedAt <= b.startedAt && b.startedAt < a.endedAt)
            overlapping.add(`${a.attempt}/${b.attempt}`);
        }
      }
      for (const pair of overlapping) {
        duplicateExecutions++;
        details.push(
          `${plan.name}: step ${step} attempts ${pair.replace('/', ' and ')} ran at the same time`,
        );
      }
    }

    if (plan.kind === 'gated') {
      const approval = approvedAt.get(plan.name);
      for (const e of steps.get(GATED_STEP) ?? []) {
        if (approval === undefined || e.startedAt < approval) {
          unapprovedExecutions++;
          details.push(
            `${plan.name}: ${GATED_STEP} attempt ${e.attempt} started ${approval === undefined ? 'without an approval' : `${approval - e.startedAt} ms before its approval`}`,
          );
        }
      }
    }

    const final = finals.get(plan.name);
    if (!final) {
      lostRuns++;
      details.push(`${plan.name}: the run is gone`);
      continue;
    }
    const claimedButNotRun = Object.entries(final.steps ?? {})
      .filter(([, s]) => s.phase === 'Succeeded')
      .map(([step]) => step)
      .filter((step) => !(steps.get(step) ?? []).some((e) => e.exitCode === 0));
    if (claimedButNotRun.length > 0) {
      lostRuns++;
      details.push(
        `${plan.name}: status says ${claimedButNotRun.join(', ')} succeeded, the log has no such run`,
      );
    }
    if (!final.phase || !TERMINAL.has(final.phase)) {
      stuckRuns++;
      details.push(`${plan.name}: still ${final.phase ?? 'without a phase'} at the end`);
    } else if (final.phase !== plan.expectedPhase) {
      wrongFinalPhases++;
      details.push(`${plan.name}: ended ${final.phase}, expected ${plan.expectedPhase}`);
    }
  }
  return {
    runs: plans.length,
    duplicateExecutions,
    unapprovedExecutions,
    lostRuns,
    stuckRuns,
    wrongFinalPhases,
    details,
  };
}
