// Turns a start action into the argv to execute: `sh -c COMMAND` (or `shell -c`), the script file
// itself when it has a shebang, else `sh FILE`; and, like GNU make, plain commands without any
// shell syntax are exec'd directly, saving a shell per step.
import type { StartAttemptAction } from '../../engine/types.ts';

/**
 * Words a shell passes through unchanged: no quoting, expansion, globbing, redirection or
 * separators. Stricter than make's test (it also lets simple quoting through): anything else goes
 * to the shell, so only commands whose meaning cannot differ are exec'd directly.
 */
const PLAIN_COMMAND = /^[A-Za-z0-9_./:=,+@%-]+(?: [A-Za-z0-9_./:=,+@%-]+)*$/;

/**
 * First words that must run in a shell. GNU make's list for POSIX shells (`sh_cmds` in job.c:
 * builtins that change the shell itself or have no program of that name), the POSIX reserved words
 * (a syntax error in sh, not "command not found"), and bash builtins that exist only in a shell.
 * Unlike make, also the builtins whose program namesake prints something else for plain words:
 * `echo`/`printf` (coreutils honours `-e`, `--version`), `pwd` (physical path where sh keeps the
 * logical one) and `kill` (`%1` job specs). `true`, `false` and the rest go direct, as in make.
 */
const SHELL_ONLY = new Set([
  // GNU make's sh_cmds (job.c, construct_command_argv_internal)
  '.',
  ':',
  'alias',
  'bg',
  'break',
  'case',
  'cd',
  'command',
  'continue',
  'eval',
  'exec',
  'exit',
  'export',
  'fc',
  'fg',
  'for',
  'getopts',
  'hash',
  'if',
  'jobs',
  'login',
  'logout',
  'read',
  'readonly',
  'return',
  'set',
  'shift',
  'test',
  'times',
  'trap',
  'type',
  'ulimit',
  'umask',
  'unalias',
  'unset',
  'wait',
  'while',
  // POSIX reserved words not already above
  'do',
  'done',
  'elif',
  'else',
  'esac',
  'fi',
  'in',
  'then',
  'until',
  // bash/ksh builtins and keywords with no program of that name
  'builtin',
  'caller',
  'compgen',
  'complete',
  'coproc',
  'declare',
  'dirs',
  'disown',
  'enable',
  'function',
  'history',
  'let',
  'local',
  'mapfile',
  'popd',
  'pushd',
  'readarray',
  'select',
  'shopt',
  'source',
  'suspend',
  'time',
  'typeset',
  // builtins whose program namesake behaves differently
  'echo',
  'kill',
  'printf',
  'pwd',
]);

/** The argv to exec for a plain command, or `undefined` when it needs a shell. */
export function directArgv(command: string): string[] | undefined {
  if (!PLAIN_COMMAND.test(command)) return undefined;
  const words = command.split(' ');
  const first = words[0] as string;
  // `NAME=value cmd` is an assignment for the shell to make.
  if (first.includes('=') || SHELL_ONLY.has(first)) return undefined;
  return words;
}

/**
 * The argv for an attempt. `scriptPath` is where the executor writes `action.script` (mode 0700):
 * with a shebang the kernel picks the interpreter (including `#!/usr/bin/env bash`).
 */
export function commandLine(action: StartAttemptAction, scriptPath: string): string[] {
  if (action.script !== undefined) {
    return action.script.startsWith('#!') ? [scriptPath] : [action.shell ?? 'sh', scriptPath];
  }
  const command = action.command ?? '';
  // Only for the default shell: a chosen `shell:` may give plain words another meaning.
  const direct = action.shell === undefined ? directArgv(command) : undefined;
  return direct ?? [action.shell ?? 'sh', '-c', command];
}
