// `conveyor templates`: the built-in workflow templates, what each is for, and its parameters.
import type { Parameter } from '../../spec/model.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';
import { outputFormat, parseOptions } from '../parse-options.ts';
import { listBuiltinTemplates } from '../templates/catalog.ts';

export const templatesUsage = `Usage: conveyor templates [--output text|json]

Lists the built-in workflow templates with their parameters. Make a workflow from one with
  conveyor create NAME --template TEMPLATE [--set KEY=VALUE,...]

Examples:
  conveyor templates
  conveyor templates -o json`;

export async function templatesCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseOptions('templates', argv, {
    output: { type: 'string', short: 'o' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(`${templatesUsage}\n`);
    return EXIT.succeeded;
  }
  if (positionals.length > 0)
    throw new UsageError(`conveyor templates: unexpected argument '${positionals[0]}'\n\n${templatesUsage}`);
  const format = outputFormat(values.output);
  const templates = await listBuiltinTemplates();
  if (format === 'json') {
    const json = templates.map((t) => ({
      name: t.name,
      aliases: t.aliases,
      description: t.workflow.description ?? null,
      file: t.file,
      parameters: t.workflow.parameters.map(describeParameter),
    }));
    io.stdout.write(`${JSON.stringify({ templates: json }, null, 2)}\n`);
    return EXIT.succeeded;
  }
  const lines = ['Built-in workflow templates (conveyor create NAME --template TEMPLATE):'];
  for (const t of templates) {
    lines.push('', `${t.name}${t.aliases.length ? `  (alias: ${t.aliases.join(', ')})` : ''}`);
    if (t.workflow.description) lines.push(`  ${t.workflow.description}`);
    for (const p of t.workflow.parameters) {
      const d = describeParameter(p);
      const def = d.default === null ? '' : ` = ${JSON.stringify(d.default)}`;
      const rules = describeValidation(p);
      lines.push(`    --set ${p.name}=<${d.type}>${def}${d.required ? ' (required)' : ''}`);
      if (p.description || rules) lines.push(`        ${[p.description, rules].filter(Boolean).join('; ')}`);
    }
  }
  io.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.succeeded;
}

function describeParameter(p: Parameter) {
  return {
    name: p.name,
    description: p.description ?? null,
    type: p.type === 'array' ? 'list' : p.type,
    required: p.required,
    default: p.default ?? null,
    validation: p.validation ? languageKeys(p.validation) : null,
  };
}

/** The validation rules as the workflow language spells them (`min_items`, not `minItems`). */
function languageKeys(validation: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(validation).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]),
  );
}

/** The validation rules in a few words: `one of staging, production`, `1 to 10 items`. */
function describeValidation(p: Parameter): string {
  const v = p.validation;
  if (!v) return '';
  const parts: string[] = [];
  if (v.enum) parts.push(`one of ${v.enum.map((e) => String(e)).join(', ')}`);
  if (v.min !== undefined || v.max !== undefined) parts.push(range('', v.min, v.max));
  if (v.minItems !== undefined || v.maxItems !== undefined)
    parts.push(range(' items', v.minItems, v.maxItems));
  if (v.minLength !== undefined || v.maxLength !== undefined)
    parts.push(range(' characters', v.minLength, v.maxLength));
  if (v.pattern !== undefined) parts.push(`matching ${v.pattern}`);
  return parts.join(', ');
}

function range(unit: string, min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `${min} to ${max}${unit}`;
  return min !== undefined ? `at least ${min}${unit}` : `at most ${max}${unit}`;
}
