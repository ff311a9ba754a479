// `conveyor template generate --from FILE --name N`: turns the literals that recur in a workflow's
// commands into parameters, writing a template that `conveyor create --template FILE` can use.
import { resolve } from 'node:path';
import { formatDiagnostic } from '../../spec/diagnostics.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { parseOptions } from '../parse-options.ts';
import { generateTemplate } from '../templates/generate.ts';
import { MIN_NUMBER } from '../templates/literal-selection.ts';
import { writeWorkflowFile } from '../templates/write-workflow-file.ts';

export const templateUsage = `Usage: conveyor template generate --from FILE --name NAME [--output FILE] [--force]
                                  [--min-occurrences N]

Makes a template from a workflow that worked: literal values that recur in its steps' commands,
scripts and rollback commands (an environment, a service, an image tag, a host) become parameters
with the literal as default, and their places become {{ .param }}. With its defaults the template
runs exactly the commands the workflow ran: every replacement is checked by rendering the command
before and after, and dropped where the two differ. Comments and layout are kept.

Which literals (a literal is a run of letters, digits and . _ -, or a whole word such as api:v2,
db.example.com:5432 or /srv/data, never text inside {{ }} or inside if/range/with blocks):
  - it must occur at least N times (default 2) as a value: after a flag (--env production), a
    piece of a word (v2 in api:v2), after a redirection, in NAME=value; or as a bare argument
    after the subcommand (api in sysctl deploy api);
  - a bare argument counts only when it follows different words in different places, so the words
    that name a command (verify in sysctl backup verify) stay; common command verbs never count;
  - the program, flags, subcommands and $variables are never replaced; words inside quoted
    messages do not count, but are replaced once the literal is chosen;
  - single characters, whole numbers below ${MIN_NUMBER}, true/false/yes/no/on/off/null and URL
    schemes are skipped;
  - longer literals go first (api:v2 before api), then the more frequent.
Names come from the flag (--env → environment, --image → image), else from the literal's shape
(host, version, path, url), else from the literal itself, and never clash with existing names.

Options:
  --from FILE             the workflow to generalise
  --name NAME             the template's name (its name: field)
  -o, --output FILE       where to write (default NAME.yaml; - for standard output)
  -f, --force             overwrite FILE if it exists
  --min-occurrences N     places a literal needs to become a parameter (default 2)

Then: conveyor create NEW-NAME --template ./NAME.yaml --set PARAM=VALUE

Examples:
  conveyor template generate --from deploy-api.yaml --name service-deploy
  conveyor template generate --from backup.yaml --name backup --min-occurrences 3 -o -`;

export async function templateCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.stdout.write(`${templateUsage}\n`);
    return sub === undefined ? EXIT.invalid : EXIT.succeeded;
  }
  if (sub !== 'generate')
    throw new UsageError(
      `conveyor template: unknown subcommand '${sub}' (did you mean 'generate'?)\n\n${templateUsage}`,
    );
  const { values, positionals } = parseOptions('template generate', rest, {
    from: { type: 'string' },
    name: { type: 'string' },
    output: { type: 'string', short: 'o' },
    force: { type: 'boolean', short: 'f' },
    'min-occurrences': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${templateUsage}\n`);
    return EXIT.succeeded;
  }
  if (positionals.length > 0)
    throw new UsageError(
      `conveyor template generate: unexpected argument '${positionals[0]}' (use --from FILE)`,
    );
  const from = values.from;
  const name = values.name;
  if (typeof from !== 'string')
    throw new UsageError(`conveyor template generate: --from FILE is required\n\n${templateUsage}`);
  if (typeof name !== 'string')
    throw new UsageError(`conveyor template generate: --name NAME is required\n\n${templateUsage}`);
  const min = values['min-occurrences'] === undefined ? 2 : Number(values['min-occurrences']);
  if (!Number.isInteger(min) || min < 2 || min > 1000)
    throw new UsageError(
      'conveyor template generate: --min-occurrences must be a whole number from 2 to 1000',
    );
  let source: string;
  try {
    source = await io.readFile(resolve(io.cwd, from));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `conveyor template generate: cannot read ${from}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
  const output = (values.output as string | undefined) ?? `${name}.yaml`;
  const result = generateTemplate(source, from, { name, minOccurrences: min, outputFile: output });
  if (!result.ok) {
    for (const d of result.diagnostics) io.stderr.write(`${formatDiagnostic(d)}\n`);
    io.stderr.write(`conveyor template generate: ${result.problem}; nothing written.\n`);
    return EXIT.invalid;
  }
  const written = await writeWorkflowFile(io, output, result.text, values.force === true);
  if (!written.ok) throw new UsageError(`conveyor template generate: ${written.message}`);
  const report = output === '-' ? io.stderr : io.stdout;
  const params = result.parameters;
  const lines = [
    `Wrote ${output === '-' ? 'to standard output' : output}: template ${name} from ${from}, ${params.length} new parameter${params.length === 1 ? '' : 's'}.`,
  ];
  if (params.length === 0)
    lines.push(`  No literal occurs ${min} or more times in a place a parameter would fit.`);
  const width = Math.max(0, ...params.map((p) => p.name.length));
  for (const p of params) {
    lines.push(
      `  ${p.name.padEnd(width)}  = ${JSON.stringify(p.default)}  (${p.occurrences} places: ${p.fields.join(', ')})`,
    );
  }
  if (params.length > 0 && output !== '-')
    lines.push(`Use it: conveyor create NEW-NAME --template ${output} --set ${params[0]?.name}=…`);
  report.write(`${lines.join('\n')}\n`);
  return EXIT.succeeded;
}
