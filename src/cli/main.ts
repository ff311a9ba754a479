// The `conveyor` command line: picks the command, runs it, and maps every outcome to an exit code.
import { tuneCompilerFor } from './compile-budget.ts';
import { EXIT, UsageError } from './exit-codes.ts';
import { processIO } from './io.ts';
import type { CliIO } from './io.ts';
import { conveyorVersion } from './version.ts';

type Command = (argv: readonly string[], io: CliIO) => Promise<number>;

// Commands load on demand: a local run should not pay for loading the Kubernetes client.
const COMMANDS: Readonly<Record<string, { run: Command; summary: string }>> = {
  run: {
    run: async (a, io) => (await import('./commands/run.ts')).runCommand(a, io),
    summary: 'run a workflow on this machine, with live progress',
  },
  validate: {
    run: async (a, io) => (await import('./commands/validate.ts')).validateCommand(a, io),
    summary: 'check workflow files and explain what a run would do',
  },
  approve: {
    run: async (a, io) => (await import('./commands/approve.ts')).approveCommand(a, io),
    summary: 'approve or reject a step that waits for approval',
  },
  resume: {
    run: async (a, io) => (await import('./commands/resume.ts')).resumeCommand(a, io),
    summary: 'continue a stopped run, or re-run a failed one from its failed steps',
  },
  retry: {
    run: async (a, io) => (await import('./commands/retry.ts')).retryCommand(a, io),
    summary: "start a new run of an earlier run's workflow and parameters (--from STEP)",
  },
  rollback: {
    run: async (a, io) => (await import('./commands/rollback.ts')).rollbackCommand(a, io),
    summary: "run the workflow's rollback steps for a failed or cancelled run",
  },
  stop: {
    run: async (a, io) => (await import('./commands/stop.ts')).stopCommand(a, io),
    summary: 'stop a local run gracefully: running steps finish, failure hooks run',
  },
  terminate: {
    run: async (a, io) => (await import('./commands/stop.ts')).terminateCommand(a, io),
    summary: 'terminate a run now: running steps are killed (--cluster: cancel)',
  },
  cancel: {
    run: async (a, io) => (await import('./commands/cancel.ts')).cancelCommand(a, io),
    summary: 'cancel a run in the cluster',
  },
  watch: {
    run: async (a, io) => (await import('./commands/watch.ts')).watchCommand(a, io),
    summary: 'follow a run in the cluster until it ends (re-attach)',
  },
  get: {
    run: async (a, io) => (await import('./commands/get.ts')).getCommand(a, io),
    summary: "show one run's steps: phases, attempts, durations, exit codes, outputs",
  },
  history: {
    run: async (a, io) => (await import('./commands/history.ts')).historyCommand(a, io),
    summary: 'list earlier runs',
  },
  logs: {
    run: async (a, io) => (await import('./commands/logs.ts')).logsCommand(a, io),
    summary: "print the output of a run's steps",
  },
  cleanup: {
    run: async (a, io) => (await import('./commands/cleanup.ts')).cleanupCommand(a, io),
    summary: 'delete the state of old finished runs',
  },
  list: {
    run: async (a, io) => (await import('./commands/list.ts')).listCommand(a, io),
    summary: 'list the workflows in a folder',
  },
  templates: {
    run: async (a, io) => (await import('./commands/templates.ts')).templatesCommand(a, io),
    summary: 'list the built-in workflow templates and their parameters',
  },
  create: {
    run: async (a, io) => (await import('./commands/create.ts')).createCommand(a, io),
    summary: 'write a new workflow from a template (create NAME --template T --set …)',
  },
  template: {
    run: async (a, io) => (await import('./commands/template.ts')).templateCommand(a, io),
    summary: 'make a template from a workflow (template generate --from FILE --name N)',
  },
  graph: {
    run: async (a, io) => (await import('./commands/graph.ts')).graphCommand(a, io),
    summary: 'draw a workflow or a run as mermaid, dot or svg',
  },
  ui: {
    run: async (a, io) => (await import('./commands/ui.ts')).uiCommand(a, io),
    summary: 'a web UI for runs: live graphs, logs, approvals (local or --cluster)',
  },
  schedule: {
    run: async (a, io) => (await import('./commands/schedule.ts')).scheduleCommand(a, io),
    summary: 'schedule workflows in the operator: add, list, cancel, suspend, resume, next',
  },
  completion: {
    run: async (a, io) => (await import('./commands/completion.ts')).completionCommand(a, io),
    summary: 'print a shell completion script (bash, zsh or fish)',
  },
  controller: {
    run: async (a, io) => (await import('./commands/controller.ts')).controllerCommand(a, io),
    summary: 'run the Kubernetes operator',
  },
};

const GLOBAL_OPTIONS = ['--help', '--version', '--no-color'];

/** The commands, for shell completion. */
export function commandNames(): string[] {
  return Object.keys(COMMANDS);
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: conveyor COMMAND [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'conveyor help COMMAND' (or 'conveyor COMMAND --help') for a command's options.
Colour: on terminals; off with --no-color or NO_COLOR, forced with FORCE_COLOR=1.`;
}

export async function main(givenArgv: readonly string[], givenIo: CliIO): Promise<number> {
  // --no-color is global, wherever it stands before a `--`.
  const end = givenArgv.indexOf('--');
  const noColor = givenArgv.findIndex((a, i) => a === '--no-color' && (end === -1 || i < end));
  const argv = noColor === -1 ? givenArgv : givenArgv.filter((_, i) => i !== noColor);
  const io: CliIO = noColor === -1 ? givenIo : { ...givenIo, noColor: true };
  const [first, ...afterFirst] = argv;
  // `conveyor help COMMAND` is `conveyor COMMAND --help`, as in git, gh and argo.
  const helpFor = first === 'help' ? afterFirst[0] : undefined;
  const name = helpFor ?? first;
  const rest = helpFor === undefined ? afterFirst : ['--help'];
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${usage()}\n`);
    return name === undefined ? EXIT.invalid : EXIT.succeeded;
  }
  if (name === '__complete') {
    return (await import('./commands/completion.ts')).completeCommand(rest, io);
  }
  if (name === '--version' || name === 'version') {
    io.stdout.write(`conveyor ${conveyorVersion()}\n`);
    return EXIT.succeeded;
  }
  const command = COMMANDS[name];
  if (!command) {
    const { suggestTyped } = await import('../template/did-you-mean.ts');
    // Before the command only the global options may stand (--help, --version, --no-color).
    const what = name.startsWith('-') ? 'option' : 'command';
    const hint = suggestTyped(name, what === 'option' ? GLOBAL_OPTIONS : Object.keys(COMMANDS));
    io.stderr.write(
      hint
        ? `conveyor: unknown ${what} '${name}' (did you mean '${hint}'?)\nRun 'conveyor help' for the list of commands.\n`
        : `conveyor: unknown ${what} '${name}'\n\n${usage()}\n`,
    );
    return EXIT.invalid;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`${error.message}\n`);
      return EXIT.invalid;
    }
    throw error;
  }
}

/** Runs the CLI as a process: argv from the command line, exit code into process.exitCode. */
export async function runFromProcess(): Promise<void> {
  const argv = process.argv.slice(2);
  tuneCompilerFor(argv.find((a) => !a.startsWith('-')));
  try {
    process.exitCode = await main(argv, processIO());
  } catch (error) {
    if (isSystemError(error)) {
      // A file or folder the command could not use (read-only, full disk, not a folder): the
      // operating system's words say it all, a stack trace would only hide them.
      process.stderr.write(`conveyor: ${error.message}\n`);
      process.exitCode = EXIT.failed;
      return;
    }
    process.stderr.write(`conveyor: internal error: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 70;
  }
}

function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  const e = error as NodeJS.ErrnoException | undefined;
  return e instanceof Error && typeof e.code === 'string' && typeof e.syscall === 'string';
}
