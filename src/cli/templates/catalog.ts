// The built-in workflow templates: real workflow files shipped in ./builtin next to this module
// (found through import.meta.url, so they load the same from the sources, an npm install or the
// image's compiled dist/), plus the short aliases that the seed's commands use.
import { readdir, readFile } from 'node:fs/promises';
import { basename, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '../../spec/diagnostics.ts';
import { loadWorkflow } from '../../spec/load.ts';
import type { Workflow } from '../../spec/model.ts';
import { suggest } from '../../template/index.ts';

export const BUILTIN_DIR = fileURLToPath(new URL('./builtin/', import.meta.url));

/** Other names for a template; `deployment` is what the seed writes (`create … --template deployment`). */
export const TEMPLATE_ALIASES: Readonly<Record<string, string>> = {
  deployment: 'rolling-deployment',
  'blue-green': 'blue-green-deployment',
  'db-maintenance': 'database-maintenance',
  backup: 'backup-verify',
};

export interface WorkflowTemplate {
  /** The built-in name (the file name without .yaml), or the file as given for a template file. */
  readonly name: string;
  readonly aliases: readonly string[];
  /** Absolute path of the YAML file. */
  readonly file: string;
  readonly text: string;
  readonly workflow: Workflow;
}

export type TemplateLookup =
  | { ok: true; template: WorkflowTemplate }
  | { ok: false; message: string; diagnostics?: readonly Diagnostic[] };

/** Every built-in template, by name. A template file that does not validate is a bug: it throws. */
export async function listBuiltinTemplates(): Promise<WorkflowTemplate[]> {
  const files = (await readdir(BUILTIN_DIR)).filter((f) => f.endsWith('.yaml')).sort();
  return Promise.all(files.map((f) => loadBuiltin(f.slice(0, -'.yaml'.length))));
}

async function loadBuiltin(name: string): Promise<WorkflowTemplate> {
  const file = resolve(BUILTIN_DIR, `${name}.yaml`);
  const text = await readFile(file, 'utf8');
  const loaded = loadWorkflow(text, file);
  if (!loaded.workflow) {
    throw new Error(`built-in template ${name} does not validate: ${JSON.stringify(loaded.diagnostics)}`);
  }
  const aliases = Object.entries(TEMPLATE_ALIASES)
    .filter(([, target]) => target === name)
    .map(([alias]) => alias);
  return { name, aliases, file, text, workflow: loaded.workflow };
}

/** Does `--template` name a file rather than a built-in? Paths have a slash or a YAML/JSON extension. */
export function isTemplatePath(reference: string): boolean {
  return reference.includes('/') || /\.(ya?ml|json)$/i.test(reference);
}

/**
 * Finds what `--template` names: a built-in template, one of its aliases, or a workflow file (such
 * as one written by `template generate`), read relative to `cwd`.
 */
export async function findTemplate(reference: string, cwd: string): Promise<TemplateLookup> {
  if (isTemplatePath(reference)) return loadTemplateFile(reference, cwd);
  const builtins = await listBuiltinTemplates();
  const name = TEMPLATE_ALIASES[reference] ?? reference;
  const found = builtins.find((t) => t.name === name);
  if (found) return { ok: true, template: found };
  const known = [...builtins.map((t) => t.name), ...Object.keys(TEMPLATE_ALIASES)];
  const hint = suggest(reference, known);
  return {
    ok: false,
    message:
      `unknown template '${reference}'${hint ? ` (did you mean '${hint}'?)` : ''}; ` +
      `built-in templates: ${builtins.map((t) => t.name).join(', ')} (see conveyor templates)`,
  };
}

async function loadTemplateFile(reference: string, cwd: string): Promise<TemplateLookup> {
  const file = isAbsolute(reference) ? reference : resolve(cwd, reference);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      ok: false,
      message: `cannot read template ${reference}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    };
  }
  const loaded = loadWorkflow(text, reference);
  if (!loaded.workflow) {
    return {
      ok: false,
      message: `template ${reference} is not a valid workflow`,
      diagnostics: loaded.diagnostics,
    };
  }
  return {
    ok: true,
    template: { name: basename(reference), aliases: [], file, text, workflow: loaded.workflow },
  };
}
