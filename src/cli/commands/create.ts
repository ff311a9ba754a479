// `conveyor create NAME --template T`: writes a new workflow file from a built-in template (or a
// template file), with `--set` values and `--PARAM VALUE` shorthands as its parameters' defaults.
import { formatDiagnostic } from '../../spec/diagnostics.ts';
import { suggest } from '../../template/index.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { parseOptions } from '../parse-options.ts';
import { findTemplate } from '../templates/catalog.ts';
import { instantiateTemplate } from '../templates/instantiate.ts';
import { readParameterInputs, splitParameterFlags } from '../templates/parameter-inputs.ts';
import { writeWorkflowFile } from '../templates/write-workflow-file.ts';

export const createUsage = `Usage: conveyor create NAME --template TEMPLATE [--set KEY=VALUE,...] [--PARAM VALUE...]
                       [--output FILE] [--force]

Writes a new workflow named NAME from a template: a built-in one (see conveyor templates; the
alias 'deployment' is rolling-deployment) or a workflow file (a path, such as one written by
conveyor template generate). The given values become the defaults of the template's parameters,
checked against each parameter's type and validation; comments and layout are kept.

Options:
  -t, --template TEMPLATE  built-in template name or alias, or a path to a workflow file
  --set KEY=VALUE,...      parameter values (Helm syntax: lists as {a,b}, \\, for a comma)
  --PARAM VALUE            the same for one parameter: --services api,worker, --image-tag v2
                           (a list parameter splits VALUE at commas)
  -o, --output FILE        where to write (default NAME.yaml; - for standard output)
  -f, --force              overwrite FILE if it exists

Examples:
  conveyor create microservice-deployment --template deployment --services api,worker
  conveyor create nightly-backup --template ./backup-template.yaml --set database=orders -o -`;

const CREATE_OPTIONS = {
  template: { type: 'string', short: 't' },
  set: { type: 'string', multiple: true },
  output: { type: 'string', short: 'o' },
  force: { type: 'boolean', short: 'f' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function createCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const split = splitParameterFlags(argv, CREATE_OPTIONS);
  if (split.missingValue !== undefined) {
    const hint = suggest(split.missingValue, Object.keys(CREATE_OPTIONS));
    throw new UsageError(
      `conveyor create: --${split.missingValue} needs a value${hint ? ` (did you mean --${hint}?)` : ''}`,
    );
  }
  const { values, positionals } = parseOptions('create', split.argv, CREATE_OPTIONS);
  if (values.help) {
    io.stdout.write(`${createUsage}\n`);
    return EXIT.succeeded;
  }
  if (positionals.length !== 1)
    throw new UsageError(`conveyor create: expected one NAME, got ${positionals.length}\n\n${createUsage}`);
  const name = positionals[0] as string;
  if (typeof values.template !== 'string')
    throw new UsageError(
      `conveyor create: --template is required (see conveyor templates)\n\n${createUsage}`,
    );
  const lookup = await findTemplate(values.template, io.cwd);
  if (!lookup.ok) {
    for (const d of lookup.diagnostics ?? []) io.stderr.write(`${formatDiagnostic(d)}\n`);
    throw new UsageError(`conveyor create: ${lookup.message}`);
  }
  const template = lookup.template;
  const inputs = readParameterInputs(
    (values.set as string[] | undefined) ?? [],
    split.flags,
    template.workflow.parameters,
    { template: template.name, optionNames: Object.keys(CREATE_OPTIONS) },
  );
  if (!inputs.ok) throw new UsageError(inputs.problems.map((p) => `conveyor create: ${p}`).join('\n'));
  const output = (values.output as string | undefined) ?? `${name}.yaml`;
  const result = instantiateTemplate(template, name, inputs.inputs, output);
  if (!result.ok) {
    for (const d of result.diagnostics) io.stderr.write(`${formatDiagnostic(d)}\n`);
    io.stderr.write(`${result.problems.map((p) => `conveyor create: ${p}`).join('\n')}\nNothing written.\n`);
    return EXIT.invalid;
  }
  const written = await writeWorkflowFile(io, output, result.text, values.force === true);
  if (!written.ok) throw new UsageError(`conveyor create: ${written.message}`);
  const report = output === '-' ? io.stderr : io.stdout;
  const lines = [
    `Wrote ${output === '-' ? 'the workflow to standard output' : output} from template ${template.name}.`,
  ];
  for (const v of result.values) {
    const shown =
      v.value === undefined ? '(no default: give it with --set when running)' : JSON.stringify(v.value);
    lines.push(`  ${v.name} = ${shown}${v.given ? '' : '  (template default)'}`);
  }
  if (output !== '-')
    lines.push(`Check it: conveyor validate --explain ${output}`, `Run it:   conveyor run ${output}`);
  report.write(`${lines.join('\n')}\n`);
  return EXIT.succeeded;
}
