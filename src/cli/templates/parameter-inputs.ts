// Parameter values for `conveyor create`: `--set k=v,…` (Helm syntax) and the seed's shorthand
// `--PARAM VALUE` (`--services api,worker`), each remembered with the flag it came from so that an
// error can point at it.
import { parseSetValues } from '../../spec/set-values.ts';
import type { Parameter } from '../../spec/model.ts';
import { suggest } from '../../template/index.ts';
import type { OptionSpec } from '../parse-options.ts';

export interface ParameterFlag {
  /** The flag as typed, without its leading dashes and any `=value`. */
  readonly flag: string;
  readonly raw: string;
}

export interface ParameterInput {
  readonly name: string;
  readonly value: unknown;
  /** Where it was given: `--set services`, `--services`. */
  readonly origin: string;
}

/**
 * Takes the long options that the command does not define out of `argv`: they are parameter
 * shorthands and always take a value (`--services api,worker` or `--services=api,worker`).
 */
export function splitParameterFlags(
  argv: readonly string[],
  options: OptionSpec,
): { argv: string[]; flags: ParameterFlag[]; missingValue?: string } {
  const rest: string[] = [];
  const flags: ParameterFlag[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (!arg.startsWith('--')) {
      rest.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = arg.slice(2, eq === -1 ? undefined : eq);
    const known = options[flag];
    if (known) {
      rest.push(arg);
      if (known.type === 'string' && eq === -1 && i + 1 < argv.length) rest.push(argv[++i] as string);
      continue;
    }
    if (eq !== -1) {
      flags.push({ flag, raw: arg.slice(eq + 1) });
      continue;
    }
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) return { argv: rest, flags, missingValue: flag };
    flags.push({ flag, raw: next });
    i++;
  }
  return { argv: rest, flags };
}

export type InputsResult = { ok: true; inputs: ParameterInput[] } | { ok: false; problems: string[] };

/**
 * Matches `--set` values and shorthand flags to the template's parameters. Values stay as given
 * (strings, lists of strings); the caller coerces them to each parameter's type.
 */
export function readParameterInputs(
  setArgs: readonly string[],
  flags: readonly ParameterFlag[],
  parameters: readonly Parameter[],
  context: { readonly template: string; readonly optionNames: readonly string[] },
): InputsResult {
  const problems: string[] = [];
  const byName = new Map(parameters.map((p) => [p.name, p]));
  const inputs = new Map<string, ParameterInput>();
  const unknown = (origin: string, name: string, candidates: readonly string[]): string => {
    const hint = suggest(name, candidates);
    const names = parameters.map((p) => p.name).join(', ') || 'none';
    return (
      `${origin}: template ${context.template} has no parameter '${name}'` +
      `${hint ? ` (did you mean '${hint}'?)` : ''}; its parameters: ${names}`
    );
  };
  for (const set of setArgs) {
    const parsed = parseSetValues([set]);
    if (!parsed.ok) {
      problems.push(parsed.message);
      continue;
    }
    for (const [name, value] of Object.entries(parsed.values)) {
      const origin = `--set ${name}`;
      if (!byName.has(name)) problems.push(unknown(origin, name, [...byName.keys()]));
      else inputs.set(name, { name, value, origin });
    }
  }
  for (const { flag, raw } of flags) {
    const origin = `--${flag}`;
    // `--image-tag` is accepted for `image_tag`: dashes are how long options are spelt.
    const param = byName.get(flag) ?? byName.get(flag.replace(/-/g, '_'));
    if (!param) {
      const candidates = [...byName.keys(), ...context.optionNames];
      problems.push(
        unknown(origin, flag, candidates).replace(/did you mean '([^']+)'/, "did you mean '--$1'"),
      );
      continue;
    }
    const value = param.type === 'array' ? splitList(raw) : raw;
    if (typeof value === 'object' && value !== null && 'problem' in value) {
      problems.push(`${origin}: ${value.problem}`);
      continue;
    }
    inputs.set(param.name, { name: param.name, value, origin });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, inputs: [...inputs.values()] };
}

/** `api,worker` or Helm's `{api,worker}` to a list, `\,` keeping a comma inside an item. */
function splitList(raw: string): unknown[] | { problem: string } {
  const braced = raw.startsWith('{') && raw.endsWith('}') ? raw : `{${raw}}`;
  const parsed = parseSetValues([`list=${braced}`]);
  if (!parsed.ok) return { problem: parsed.message };
  return parsed.values.list as unknown[];
}
