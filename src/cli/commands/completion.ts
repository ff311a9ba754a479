// `conveyor completion bash|zsh|fish`: a script that makes the shell complete conveyor's commands,
// options, run ids and workflow parameters. Each script asks `conveyor __complete WORD…` (the
// words after the program name up to the cursor) and falls back to file names when it says nothing.
import { completionCandidates } from '../completion-candidates.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import type { CliIO } from '../io.ts';

export const completionUsage = `Usage: conveyor completion bash|zsh|fish

Prints a script that completes conveyor's commands, options, run ids and the parameters of the
workflow file on the line (after --set). With --cluster (or -n, --context, --kubeconfig) on the line,
run ids, steps and parameters come from the cluster's WorkflowRuns.

Examples:
  source <(conveyor completion bash)                  # bash, e.g. in ~/.bashrc
  conveyor completion zsh > "\${fpath[1]}/_conveyor"   # zsh
  conveyor completion fish > ~/.config/fish/completions/conveyor.fish`;

const SCRIPTS: Readonly<Record<string, string>> = {
  bash: `# bash completion for conveyor (conveyor completion bash)
_conveyor() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" IFS=$'\\n'
  COMPREPLY=($(compgen -W "$(conveyor __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)" -- "$cur"))
  [[ \${#COMPREPLY[@]} -eq 1 && \${COMPREPLY[0]} == *= ]] && compopt -o nospace
}
complete -o default -F _conveyor conveyor kubectl-conveyor
`,
  zsh: `#compdef conveyor kubectl-conveyor
# zsh completion for conveyor (conveyor completion zsh): save it as _conveyor in a folder of
# $fpath, or source it after compinit.
_conveyor() {
  local -a candidates
  candidates=("\${(@f)$(conveyor __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  candidates=(\${candidates:#})
  if (( \${#candidates} )); then
    compadd -S '' -a candidates
  else
    _files
  fi
}
# compinit autoloads this file as the body of _conveyor and runs it at the first Tab: then it must
# complete that Tab too. Sourced instead, it registers the function.
if [[ $funcstack[1] == _conveyor ]]; then
  _conveyor "$@"
else
  compdef _conveyor conveyor kubectl-conveyor
fi
`,
  fish: `# fish completion for conveyor (conveyor completion fish)
# The condition asks conveyor once and keeps its answer; with an answer, file names are not offered
# beside it (-f); without one the condition fails and fish completes file names.
function __conveyor_candidates
    set -l words (commandline -opc) (commandline -ct)
    set -g __conveyor_candidates (conveyor __complete $words[2..-1] 2>/dev/null)
    test (count $__conveyor_candidates) -gt 0
end
complete -c conveyor -f -n __conveyor_candidates -a '$__conveyor_candidates'
complete -c kubectl-conveyor -f -n __conveyor_candidates -a '$__conveyor_candidates'
`,
};

export async function completionCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const shell = argv[0];
  if (shell === '--help' || shell === '-h') {
    io.stdout.write(`${completionUsage}\n`);
    return EXIT.succeeded;
  }
  const script = shell === undefined ? undefined : SCRIPTS[shell];
  if (script === undefined || argv.length !== 1) throw new UsageError(completionUsage);
  io.stdout.write(script);
  return EXIT.succeeded;
}

/** `conveyor __complete WORD…`: the candidates, one a line. */
export async function completeCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const { main, commandNames } = await import('../main.ts');
  const candidates = await completionCandidates(argv, io, {
    commands: commandNames(),
    help: async (command) => {
      let text = '';
      const quiet = { write: () => {}, isTTY: false };
      await main([command, '--help'], {
        ...io,
        stdout: { write: (t) => void (text += t), isTTY: false },
        stderr: quiet,
      });
      return text;
    },
  });
  io.stdout.write(candidates.map((c) => `${c}\n`).join(''));
  return EXIT.succeeded;
}
