// What the chaos runs do: a few Workflows whose steps write what actually ran to an execution log
// (the steps' own account, not status), and a mix of runs with the final phase each must reach.

/** One execution-log line per start and per end, written by the step itself: `start RUN STEP ATTEMPT MS`. */
const logged = (body: string) =>
  `echo "start $CONVEYOR_RUN_ID $CONVEYOR_STEP $CONVEYOR_ATTEMPT $(date +%s%3N)" >> "$CHAOS_LOG"; ${body}`;
const end = (code: string) =>
  `echo "end $CONVEYOR_RUN_ID $CONVEYOR_STEP $CONVEYOR_ATTEMPT $(date +%s%3N) ${code}" >> "$CHAOS_LOG"; exit ${code}`;
const work = (seconds: number) => logged(`sleep ${seconds}; ${end('0')}`);

export type Kind = 'chain' | 'flaky' | 'doomed' | 'gated' | 'sturdy';

export interface RunPlan {
  name: string;
  kind: Kind;
  /** What the approver does with a gated run. */
  decision?: 'approved' | 'rejected';
  expectedPhase: 'Succeeded' | 'Failed';
}

/** The step that waits for approval in `gated` runs. */
export const GATED_STEP = 'ship';
/** Steps whose Jobs the chaos may delete: retried, so a lost attempt still ends in success. */
export const DELETABLE_STEP = 'work';
export const APPROVER = 'alice';

/** The Workflow documents (conveyor's language), by kind. */
export function workflows(): Record<Kind, Record<string, unknown>> {
  return {
    chain: {
      name: 'chaos-chain',
      steps: [
        { name: 'one', command: work(2) },
        { name: 'two', command: work(2), depends_on: ['one'] },
        { name: 'three', command: work(2), depends_on: ['two'] },
      ],
    },
    // Fails its first two attempts, then succeeds: retries under faults.
    flaky: {
      name: 'chaos-flaky',
      steps: [
        {
          name: 'try',
          command: logged(
            `sleep 1; if [ "$CONVEYOR_ATTEMPT" -ge 3 ]; then ${end('0')}; else ${end('1')}; fi`,
          ),
          retry: { attempts: 4, delay: '1s', backoff: 'constant' },
        },
        { name: 'after', command: work(1), depends_on: ['try'] },
      ],
    },
    // Always fails, with one retry: the run must end Failed, each attempt run once.
    doomed: {
      name: 'chaos-doomed',
      steps: [
        { name: 'prep', command: work(1) },
        {
          name: 'boom',
          command: logged(`sleep 1; ${end('3')}`),
          retry: { attempts: 2, delay: '1s', backoff: 'constant' },
          depends_on: ['prep'],
        },
      ],
    },
    gated: {
      name: 'chaos-gated',
      steps: [
        { name: 'prep', command: work(1) },
        {
          name: GATED_STEP,
          command: work(1),
          depends_on: ['prep'],
          manual_approval: true,
          approvers: { users: [APPROVER] },
        },
      ],
    },
    // Long enough to have its Job deleted while it runs; retried, so a lost attempt is recovered.
    sturdy: {
      name: 'chaos-sturdy',
      steps: [
        {
          name: DELETABLE_STEP,
          command: work(6),
          retry: { attempts: 3, delay: '1s', backoff: 'constant' },
        },
        { name: 'done', command: work(1), depends_on: [DELETABLE_STEP] },
      ],
    },
  };
}

/** `count` runs cycling through the kinds (or all of `only`); one gated run in three is rejected. */
export function planRuns(count: number, prefix = 'chaos', only?: Kind): RunPlan[] {
  const cycle: Kind[] = ['chain', 'sturdy', 'gated', 'flaky', 'chain', 'sturdy', 'doomed', 'gated'];
  const plans: RunPlan[] = [];
  let gated = 0;
  for (let i = 0; i < count; i++) {
    const kind = only ?? cycle[i % cycle.length]!;
    const name = `${prefix}-${kind}-${i}`;
    if (kind === 'gated') {
      const decision = gated++ % 3 === 2 ? 'rejected' : 'approved';
      plans.push({ name, kind, decision, expectedPhase: decision === 'approved' ? 'Succeeded' : 'Failed' });
    } else plans.push({ name, kind, expectedPhase: kind === 'doomed' ? 'Failed' : 'Succeeded' });
  }
  return plans;
}
