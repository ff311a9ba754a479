// `conveyor list [DIR]`: the workflows in a folder (./workflows by default) with their description
// and parameters; files that do not validate are listed with their first error.
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { formatDiagnostic } from '../../spec/diagnostics.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { outputFormat, parseOptions } from '../parse-options.ts';
import { readWorkflow } from '../read-workflow.ts';
import { wantsCluster } from '../cluster/backend-choice.ts';

export const listUsage = `Usage: conveyor list [DIR] [--output text|json]   (DIR defaults to ./workflows)

The workflow files in DIR, each with its name, description and parameters.

Examples:
  conveyor list
  conveyor list examples -o json`;

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
    names = (await readdir(resolve(io.cwd, dir))).filter(isWorkflowFileName).sort();
  } catch (error) {
    if (positionals[0] === undefined && (error as NodeJS.ErrnoException).code === 'ENOENT') {
      io.stdout.write(await whereWorkflowsAre(io));
      return EXIT.succeeded;
    }
    throw new UsageError(`conveyor list: cannot read folder ${dir}: ${(error as Error).message}`);
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

/** How many folders the hint names, most workflows first. */
const SUGGESTED_FOLDERS = 5;

/** A top-level `steps` list: `steps:` at the start of a YAML line, or the key of a JSON object. */
function looksLikeWorkflow(name: string, text: string): boolean {
  if (!name.endsWith('.json')) return /^steps:/m.test(text);
  try {
    return Array.isArray((JSON.parse(text) as { steps?: unknown }).steps);
  } catch {
    return false;
  }
}

function isWorkflowFileName(name: string): boolean {
  return /\.(ya?ml|json)$/.test(name);
}

/**
 * Without ./workflows (a checkout, a fresh folder): the subfolders holding workflow files, so that
 * the next command is obvious. A file counts when it has a top-level `steps:` (YAML) or `"steps"`.
 */
async function whereWorkflowsAre(io: CliIO): Promise<string> {
  const found: { dir: string; count: number }[] = [];
  let entries: Dirent[] = [];
  try {
    entries = await readdir(io.cwd, { withFileTypes: true });
  } catch {
    // An unreadable working folder: nothing to suggest.
  }
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    let count = 0;
    try {
      for (const name of (await readdir(join(io.cwd, entry.name))).filter(isWorkflowFileName)) {
        const text = await readFile(join(io.cwd, entry.name, name), 'utf8').catch(() => '');
        if (looksLikeWorkflow(name, text)) count++;
      }
    } catch {
      continue;
    }
    if (count > 0) found.push({ dir: entry.name, count });
  }
  const lines = [`No ./workflows folder in ${io.cwd}.`];
  if (found.length === 0) {
    lines.push('List the workflows of another folder with: conveyor list DIR');
  } else {
    found.sort((a, b) => b.count - a.count || a.dir.localeCompare(b.dir));
    lines.push('Workflows found in:');
    for (const f of found.slice(0, SUGGESTED_FOLDERS))
      lines.push(`  ${f.dir}/  (${f.count} workflow${f.count === 1 ? '' : 's'})`);
    if (found.length > SUGGESTED_FOLDERS)
      lines.push(`  … and ${found.length - SUGGESTED_FOLDERS} more folders`);
    lines.push(`List them with: conveyor list ${found[0]?.dir ?? 'DIR'}`);
  }
  return `${lines.join('\n')}\n`;
}
