// `conveyor validate FILE…`: every finding with its position; `--explain` also resolves the inputs
// and shows each step's rendered command, as `run --dry-run` will.
import { formatDiagnostic, hasErrors } from '../../spec/diagnostics.ts';
import type { Diagnostic } from '../../spec/diagnostics.ts';
import { resolveRunContext } from '../../spec/run-context.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import { explainWorkflow } from '../explain.ts';
import type { ExplainedStep } from '../explain.ts';
import type { CliIO } from '../io.ts';
import { outputFormat, parseOptions } from '../parse-options.ts';
import { readWorkflow } from '../read-workflow.ts';
import { inputProblemDiagnostic, readRunInputs, RUN_INPUT_OPTIONS } from '../run-inputs.ts';

export const validateUsage = `Usage: conveyor validate FILE... [--output text|json]
       conveyor validate --explain FILE [--set KEY=VALUE,...] [--parameter-file FILE] [-e ENV]

Checks workflow files: schema, names, dependencies and cycles, budgets, templates.
Exit code 0 when valid (warnings are printed), 2 when any file has errors.

Examples:
  conveyor validate workflows/*.yaml
  conveyor validate --explain deploy.yaml --set environment=staging`;

export async function validateCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseOptions('validate', argv, {
    ...RUN_INPUT_OPTIONS,
    explain: { type: 'boolean' },
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${validateUsage}\n`);
    return EXIT.succeeded;
  }
  const format = outputFormat(values.output);
  if (positionals.length === 0) throw new UsageError(`conveyor validate: missing FILE\n\n${validateUsage}`);
  if (values.explain && positionals.length !== 1)
    throw new UsageError('conveyor validate --explain takes exactly one FILE');
  const results: { file: string; valid: boolean; diagnostics: Diagnostic[]; steps?: ExplainedStep[] }[] = [];
  for (const file of positionals) {
    const loaded = await readWorkflow(io, file);
    const diagnostics = [...loaded.diagnostics];
    let steps: ExplainedStep[] | undefined;
    let context: Record<string, unknown> | undefined;
    if (loaded.workflow && values.explain) {
      const { origins, ...inputs } = readRunInputs(values, io.cwd);
      const resolved = resolveRunContext(loaded.workflow, {
        ...inputs,
        runId: `${loaded.workflow.name}-explain`,
      });
      if (!resolved.ok) {
        for (const p of resolved.problems) diagnostics.push(inputProblemDiagnostic(file, p, origins));
      } else {
        context = resolved.context;
        steps = explainWorkflow(loaded.workflow, resolved.context);
      }
    }
    results.push({ file, valid: !hasErrors(diagnostics), diagnostics, steps });
    if (format === 'text') {
      for (const d of diagnostics) io.stderr.write(`${formatDiagnostic(d)}\n`);
      const errors = diagnostics.filter((d) => d.severity === 'error').length;
      const warnings = diagnostics.length - errors;
      const counts = [errors && `${errors} error(s)`, warnings && `${warnings} warning(s)`]
        .filter(Boolean)
        .join(', ');
      io.stdout.write(`${file}: ${errors ? 'invalid' : 'valid'}${counts ? ` (${counts})` : ''}\n`);
      if (steps && context) io.stdout.write(renderExplanation(context, steps));
    }
  }
  if (format === 'json') io.stdout.write(`${JSON.stringify({ files: results }, null, 2)}\n`);
  return results.every((r) => r.valid) ? EXIT.succeeded : EXIT.invalid;
}

function renderExplanation(context: Record<string, unknown>, steps: readonly ExplainedStep[]): string {
  const lines: string[] = ['', 'Inputs:'];
  for (const [k, v] of Object.entries(context)) {
    if (['outputs', 'workflow', 'run'].includes(k)) continue;
    lines.push(`  ${k} = ${JSON.stringify(v)}`);
  }
  let section = '';
  for (const s of steps) {
    if (s.section !== section) {
      section = s.section;
      lines.push('', `${section}:`);
    }
    const indent = '  '.repeat(s.depth + 1);
    const when =
      s.when === 'always'
        ? ''
        : s.when === 'runtime'
          ? ' [when: decided at run time]'
          : typeof s.when === 'object'
            ? ` [when: error: ${s.when.error}]`
            : ` [when: ${s.when}${s.when === 'false' ? ', skipped' : ''}]`;
    const deps = s.dependsOn.length ? ` (after ${s.dependsOn.join(', ')})` : '';
    const kind = s.kind === 'group' ? (s.parallel ? ' (parallel group)' : ' (group)') : '';
    lines.push(`${indent}${s.name}${kind}${deps}${when}`);
    if (s.rendered !== undefined) {
      for (const line of s.rendered.trimEnd().split('\n')) lines.push(`${indent}  $ ${line}`);
    }
    if (s.renderError) lines.push(`${indent}  error: ${s.renderError}`);
  }
  return `${lines.join('\n')}\n`;
}
