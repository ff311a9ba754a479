// What the shell may complete at the cursor (`conveyor __complete WORD…`, called by the scripts
// `conveyor completion bash|zsh|fish` prints): commands, a command's options (read from its own
// help text, so they never drift from it), run ids for commands that take a RUN, the parameter
// names of the workflow file on the line after --set, phases after --status. Nothing means: let
// the shell complete file names.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadWorkflow } from '../spec/load.ts';
import type { CliIO } from './io.ts';
import { openStateStore } from './state-dir.ts';

/** What the candidates are made from; main.ts and the state directory in the CLI. */
export interface CompletionSources {
  readonly commands: readonly string[];
  /** The text `conveyor COMMAND --help` prints. */
  help(command: string): Promise<string>;
}

const TAKES_RUN = new Set(['get', 'resume', 'logs', 'approve', 'watch', 'cancel', 'rollback']);
const PHASES = ['Succeeded', 'Failed', 'Running', 'AwaitingApproval', 'Cancelled', 'Pending'];

export async function completionCandidates(
  words: readonly string[],
  io: CliIO,
  sources: CompletionSources,
): Promise<string[]> {
  const current = words[words.length - 1] ?? '';
  const before = words.slice(0, -1);
  const starting = (list: Iterable<string>): string[] => [...list].filter((c) => c.startsWith(current));
  const command = before[0];
  if (command === undefined) return starting([...sources.commands, 'help', 'completion']);
  if (command === 'help' && before.length === 1) return starting(sources.commands);
  if (command === 'completion' && before.length === 1) return starting(['bash', 'zsh', 'fish']);
  if (!sources.commands.includes(command)) return [];
  const previous = before[before.length - 1];
  if (previous === '--set') return starting(parameterNames(before, io).map((p) => `${p}=`));
  if (previous === '--status') return starting(PHASES);
  if (previous === '--output' || previous === '-o') return starting(['text', 'json', 'yaml']);
  if (current.startsWith('-')) return starting(optionsIn(await sources.help(command)));
  if (TAKES_RUN.has(command) && positionals(before.slice(1)).length === 0) {
    return starting(runIds(before, io));
  }
  return [];
}

/** Every --long option the help text names, in order. */
function optionsIn(help: string): string[] {
  return [...new Set(help.match(/--[a-z][a-z0-9-]*/g) ?? [])];
}

/** Words that are neither options nor option values (a rough cut: an option takes the next word). */
function positionals(words: readonly string[]): string[] {
  return words.filter((w, i) => !w.startsWith('-') && !(words[i - 1] ?? '').startsWith('-'));
}

function optionValue(words: readonly string[], name: string): string | undefined {
  const at = words.lastIndexOf(name);
  return at === -1 ? undefined : words[at + 1];
}

function runIds(words: readonly string[], io: CliIO): string[] {
  try {
    const store = openStateStore(io, { 'state-dir': optionValue(words, '--state-dir') });
    return store.summaries().map((r) => r.runId);
  } catch {
    return [];
  }
}

function parameterNames(words: readonly string[], io: CliIO): string[] {
  const file = words.slice(1).find((w) => /\.ya?ml$/.test(w) && !w.startsWith('-'));
  if (file === undefined) return [];
  try {
    const loaded = loadWorkflow(readFileSync(resolve(io.cwd, file), 'utf8'), file);
    return loaded.workflow?.parameters.map((p) => p.name) ?? [];
  } catch {
    return [];
  }
}
