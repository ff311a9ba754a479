// What the shell may complete at the cursor (`conveyor __complete WORD…`, called by the scripts
// `conveyor completion bash|zsh|fish` prints): commands, a command's options (read from its own
// help text, so they never drift from it), run ids for commands that take a RUN, a run's steps
// (after the RUN of logs and approve, after --from), the parameter names of the workflow file on
// the line after --set (of RUN's workflow after retry RUN --set), phases after --status, the
// workflows of the runs after --workflow. Runs, steps, parameters and workflows come from the state
// directory, or from the cluster when the line asks for one as the command would (--cluster, -n…:
// cluster/completion-runs.ts). Nothing means: let the shell complete file names.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadWorkflow } from '../spec/load.ts';
import { wantsCluster } from './cluster/backend-choice.ts';
import type { CompletionRuns } from './cluster/completion-runs.ts';
import type { CliIO } from './io.ts';
import { openStateStore } from './state-dir.ts';

/** What the candidates are made from; main.ts and the state directory in the CLI. */
export interface CompletionSources {
  readonly commands: readonly string[];
  /** The text `conveyor COMMAND --help` prints. */
  help(command: string): Promise<string>;
}

const TAKES_RUN = new Set([
  'get',
  'resume',
  'retry',
  'logs',
  'approve',
  'watch',
  'cancel',
  'stop',
  'terminate',
  'rollback',
  'graph',
]);
/** Commands whose second positional is a step of the RUN before it. */
const TAKES_STEP = new Set(['logs', 'approve']);
/** The options that take no value, so that the word after one is not taken for its value. */
const FLAGS = new Set([
  ...['--help', '-h', '--follow', '-f', '--force', '--wait', '--reject', '--auto-approve', '--dry-run'],
  ...['--from-failed', '--detach', '--cluster', '--explain', '--continue-on-error', '--save-state'],
  ...['--cancel-on-interrupt', '--suspend', '--all-namespaces', '-A', '--leader-elect', '--no-color'],
]);
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
  // As the command decides (history's -n is a limit, not a namespace).
  const runs = wantsCluster(before.slice(1), { shortNamespace: command !== 'history' })
    ? await clusterRuns(before, io)
    : localRuns(before, io);
  if (previous === '--set') {
    // retry RUN --set: the parameters of the workflow RUN ran, not of a file on the line.
    const run = command === 'retry' ? positionals(before.slice(1))[0] : undefined;
    const names = run === undefined ? parameterNames(before, io) : await runs.parameters(run);
    return starting(names.map((p) => `${p}=`));
  }
  if (previous === '--status') return starting(PHASES);
  if (previous === '--output' || previous === '-o') return starting(['text', 'json', 'yaml']);
  if (previous === '--workflow' && command === 'history') return starting(await runs.workflows());
  if (current.startsWith('-')) return starting(optionsIn(await sources.help(command)));
  const args = positionals(before.slice(1));
  if (previous === '--from' && command === 'retry' && args[0] !== undefined) {
    return starting(await runs.steps(args[0]));
  }
  if (!TAKES_RUN.has(command)) return [];
  if (args.length === 0) return starting(await runs.runIds());
  if (args.length === 1 && TAKES_STEP.has(command)) return starting(await runs.steps(args[0] as string));
  return [];
}

/** The runs of the cluster the line names; its module (and the Kubernetes client) loads only then. */
async function clusterRuns(words: readonly string[], io: CliIO): Promise<CompletionRuns> {
  const { clusterCompletionRuns } = await import('./cluster/completion-runs.ts');
  return clusterCompletionRuns(
    {
      kubeconfig: optionValue(words, '--kubeconfig'),
      context: optionValue(words, '--context'),
      namespace: optionValue(words, '--namespace') ?? optionValue(words, '-n'),
    },
    io,
  );
}

/** The runs of the state directory (--state-dir on the line, else the default one). */
function localRuns(words: readonly string[], io: CliIO): CompletionRuns {
  return {
    runIds: async () => runIds(words, io),
    steps: async (run) => stepsOf(run, words, io),
    parameters: async (run) => parametersOfRun(run, words, io),
    workflows: async () => workflowsOfRuns(words, io),
  };
}

/** Every --long option the help text names, in order. */
function optionsIn(help: string): string[] {
  return [...new Set(help.match(/--[a-z][a-z0-9-]*/g) ?? [])];
}

/** Words that are neither options nor option values (every option but FLAGS takes the next word). */
function positionals(words: readonly string[]): string[] {
  return words.filter((w, i) => {
    const previous = words[i - 1] ?? '';
    return (
      !w.startsWith('-') && !(previous.startsWith('-') && !previous.includes('=') && !FLAGS.has(previous))
    );
  });
}

/** The value of `--name VALUE` or `--name=VALUE` (`-n VALUE` or `-nVALUE`), the last one given. */
function optionValue(words: readonly string[], name: string): string | undefined {
  const glued = name.startsWith('--') ? `${name}=` : name;
  for (let i = words.length - 1; i >= 0; i--) {
    const word = words[i] as string;
    if (word === name) return words[i + 1];
    if (word.startsWith(glued)) return word.slice(glued.length);
  }
  return undefined;
}

function store(words: readonly string[], io: CliIO) {
  return openStateStore(io, { 'state-dir': optionValue(words, '--state-dir') });
}

function runIds(words: readonly string[], io: CliIO): string[] {
  try {
    return store(words, io)
      .summaries()
      .map((r) => r.runId);
  } catch {
    return [];
  }
}

function workflowsOfRuns(words: readonly string[], io: CliIO): string[] {
  try {
    return [
      ...new Set(
        store(words, io)
          .summaries()
          .map((r) => r.workflow),
      ),
    ].sort();
  } catch {
    return [];
  }
}

/** The steps of a local run, in the order the run lists them ('latest' for the newest run). */
function stepsOf(run: string, words: readonly string[], io: CliIO): string[] {
  try {
    const runs = store(words, io);
    const runId = run === 'latest' ? runs.summaries()[0]?.runId : run;
    return runId === undefined ? [] : (runs.load(runId)?.state.steps.map((s) => s.name) ?? []);
  } catch {
    return [];
  }
}

/** The parameters of the workflow text a local run recorded ('latest' for the newest run). */
function parametersOfRun(run: string, words: readonly string[], io: CliIO): string[] {
  try {
    const runs = store(words, io);
    const runId = run === 'latest' ? runs.summaries()[0]?.runId : run;
    const saved = runId === undefined ? undefined : runs.load(runId);
    if (!saved) return [];
    return loadWorkflow(saved.workflowText, saved.file).workflow?.parameters.map((p) => p.name) ?? [];
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
