// `conveyor approve RUN STEP [--reject] [--comment TEXT]`: records a decision on a stopped local
// run; `conveyor resume RUN` then continues it.
import { userInfo } from 'node:os';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { parseOptions } from '../parse-options.ts';
import { openStateStore, STATE_DIR_OPTION } from '../state-dir.ts';
import { lockRunOrRefuse } from '../run-lock-refusal.ts';
import { wantsCluster } from '../cluster/backend-choice.ts';
import { loadSavedRun, resolveRunId } from '../saved-runs.ts';

export const approveUsage = `Usage: conveyor approve RUN STEP [--reject] [--comment TEXT] [--state-dir DIR]

Approves (or with --reject, rejects) a step that waits for approval. Then: conveyor resume RUN

Examples:
  conveyor approve latest production-gate --comment "checked the canary"
  conveyor approve deploy-20260501093000-1a2b production-gate --reject`;

export async function approveCommand(argv: readonly string[], io: CliIO): Promise<number> {
  // Against a cluster (--cluster, --context, --kubeconfig, or run as kubectl-conveyor): see cluster/approve.ts.
  if (wantsCluster(argv)) return (await import('../cluster/approve.ts')).clusterApproveCommand(argv, io);
  const { values, positionals } = parseOptions('approve', argv, {
    ...STATE_DIR_OPTION,
    reject: { type: 'boolean' },
    comment: { type: 'string', short: 'm' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${approveUsage}\n`);
    return EXIT.succeeded;
  }
  if (positionals.length !== 2)
    throw new UsageError(`conveyor approve: expected RUN and STEP\n\n${approveUsage}`);
  const [wanted, step] = positionals as [string, string];
  const store = openStateStore(io, values);
  const runId = resolveRunId(store, wanted);
  // A process working on the run would overwrite the decision with its next save: refuse instead.
  const lock = lockRunOrRefuse(store, runId, 'approve', io.now());
  try {
    return record(store, runId, step, values, io);
  } finally {
    lock.release();
  }
}

function record(
  store: ReturnType<typeof openStateStore>,
  runId: string,
  step: string,
  values: Record<string, unknown>,
  io: CliIO,
): number {
  const { saved } = loadSavedRun(store, runId);
  const waiting = saved.state.steps.filter((s) => s.phase === 'AwaitingApproval').map((s) => s.name);
  if (!waiting.includes(step)) {
    const which = waiting.length
      ? `steps waiting for approval: ${waiting.join(', ')}`
      : 'no step of it waits for approval';
    throw new UsageError(`step '${step}' of run ${runId} does not wait for approval (${which})`);
  }
  const user = io.env.USER ?? userInfo().username;
  const decision: 'approved' | 'rejected' = values.reject ? 'rejected' : 'approved';
  const pending = [
    ...(saved.pending ?? []).filter(
      (o) => !(o.kind === 'approvalDecided' && o.step === step && o.user === user),
    ),
    {
      kind: 'approvalDecided' as const,
      step,
      user,
      decision,
      ...(values.comment ? { comment: values.comment as string } : {}),
      // At the local terminal the person who owns the state directory is the authority.
      override: true,
      at: io.now(),
    },
  ];
  store.save({ ...saved, pending, savedAt: io.now() });
  io.stdout.write(
    `${decision === 'approved' ? 'Approved' : 'Rejected'} ${step} of ${runId} as ${user}. Continue with: conveyor resume ${runId}\n`,
  );
  return EXIT.succeeded;
}
