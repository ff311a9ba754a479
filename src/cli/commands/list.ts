// `conveyor list [DIR]`: the workflows in a folder (./workflows by default) with their description
// and parameters; files that do not validate are listed with their first error.
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { formatDiagnostic } from '../../spec/diagnostics.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { outputFormat, parseOptions } from '../parse-options.ts';
import { readWorkflow } from '../read-workflow.ts';
import { wantsCluster } from '../cluster/backend-choice.ts';

export const listUsage = 'Usage: conveyor list [DIR] [--output text|json]   (DIR defaults to ./workflows)';

export async function listCommand(argv: readonly string[], io: CliIO): Promise<number> {
  // Against a cluster (--cluster, --context, --kubeconfig, or run as kubectl-conveyor): see cluster/list.ts.
  if (wantsCluster(argv)) return (await import('../cluster/list.ts')).clusterListCommand(argv, io);
  const { values, positionals } = parseOptions('list', argv, {
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${listUsage}\n`);
    return EXIT.succeeded;
  }
  const output = outputFormat(values.output);
  const dir = positionals[0] ?? 'workflows';
  let names: string[];
  try {
    names = (await readdir(resolve(io.cwd, dir))).filter((n) => /\.(ya?ml|json)$/.test(n)).sort();
  } catch {
    throw new UsageError(`conveyor list: cannot read folder ${dir}`);
  }
  const entries = [];
  for (const name of names) {
    const file = join(dir, name);
    const loaded = await readWorkflow(io, file);
    const wf = loaded.workflow;
    entries.push({
      file,
      name: wf?.name ?? null,
      description: wf?.description ?? null,
      parameters: (wf?.parameters ?? []).map((p) => ({
        name: p.name,
        type: p.type,
        required: p.required,
        default: p.default ?? null,
      })),
      error: wf
        ? null
        : formatDiagnostic(loaded.diagnostics.find((d) => d.severity === 'error') ?? loaded.diagnostics[0]!),
    });
  }
  if (output === 'json') {
    io.stdout.write(`${JSON.stringify({ workflows: entries }, null, 2)}\n`);
    return EXIT.succeeded;
  }
  if (entries.length === 0) io.stdout.write(`No workflows in ${dir}.\n`);
  for (const e of entries) {
    if (e.error) {
      io.stdout.write(`${e.file}  (invalid: ${e.error})\n`);
      continue;
    }
    io.stdout.write(`${e.name}  ${e.file}\n`);
    if (e.description) io.stdout.write(`  ${e.description}\n`);
    for (const p of e.parameters) {
      const def = p.default === null ? '' : ` = ${JSON.stringify(p.default)}`;
      io.stdout.write(`  --set ${p.name}=<${p.type}>${p.required ? ' (required)' : ''}${def}\n`);
    }
  }
  return EXIT.succeeded;
}
