// `conveyor logs RUN [STEP]`: prints the saved output of a local run's step attempts. An attempt's
// stdout and stderr are in `<attempt>.log`; when its output was captured, its stdout is in
// `<attempt>.out` instead (printed first).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { attemptFileBase } from '../../executors/local/attempt-files.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { parseOptions } from '../parse-options.ts';
import { openStateStore, STATE_DIR_OPTION } from '../state-dir.ts';
import { wantsCluster } from '../cluster/backend-choice.ts';

export const logsUsage = 'Usage: conveyor logs RUN [STEP] [--state-dir DIR]';

export async function logsCommand(argv: readonly string[], io: CliIO): Promise<number> {
  // Against a cluster (--cluster, --context, --kubeconfig, or run as kubectl-conveyor): see cluster/logs.ts.
  if (wantsCluster(argv)) return (await import('../cluster/logs.ts')).clusterLogsCommand(argv, io);
  const { values, positionals } = parseOptions('logs', argv, {
    ...STATE_DIR_OPTION,
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${logsUsage}\n`);
    return EXIT.succeeded;
  }
  const [runId, step] = positionals;
  if (!runId) throw new UsageError(`conveyor logs: expected RUN\n\n${logsUsage}`);
  const store = openStateStore(io, values);
  const saved = store.load(runId);
  if (!saved) throw new UsageError(`no run ${runId} in ${store.root} (see: conveyor history)`);
  const dir = store.logDir(runId);
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.log') || f.endsWith('.out'));
  } catch {
    // No step has written output yet.
  }
  const attempts = saved.state.steps
    .flatMap((s) => s.history.map((h) => ({ step: s.name, h })))
    .filter((a) => step === undefined || a.step === step)
    .sort((a, b) => a.h.requestedAt - b.h.requestedAt);
  if (step !== undefined && !saved.state.steps.some((s) => s.name === step))
    throw new UsageError(`run ${runId} has no step '${step}'`);
  for (const { step: name, h } of attempts) {
    const base = attemptFileBase(h.id);
    io.stdout.write(`==> ${name} attempt ${h.attempt} (${h.purpose}, ${h.outcome ?? 'running'}) <==\n`);
    for (const file of [`${base}.out`, `${base}.log`]) {
      if (files.includes(file)) io.stdout.write(readFileSync(join(dir, file), 'utf8'));
    }
  }
  return EXIT.succeeded;
}
