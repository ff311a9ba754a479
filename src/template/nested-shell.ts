// Finds template values that land where a second shell parses them again: the command string of
// `sh -c`/`bash -c`/`su -c` (also behind `kubectl exec … --`, `docker exec`, `sudo`), the arguments
// of `eval`, the remote command of `ssh HOST …`, and text fed to a shell on standard input (a
// here-document, a here-string or a pipe into `sh`, `bash` or a bare `ssh HOST`). Shell escaping
// makes a value one literal word for the shell that runs the step; the nested shell then reads that
// word as code, so `$(…)` or `;` in the value would run there. A reader of the step's text, not a
// shell: it follows quotes, separators, comments and here-documents well enough to warn, and never
// changes what runs.
import type { ActionNode, Node } from './ast.ts';
import type { Template } from './index.ts';

export type NestedShellKind = 'command-string' | 'eval' | 'ssh' | 'stdin';

export interface NestedShellValue {
  /** The action `{{ … }}` in the template source. */
  readonly offset: number;
  readonly length: number;
  readonly kind: NestedShellKind;
  /** How the nested shell was reached, as written: `sh -c`, `eval`, `ssh db1`, `bash` (stdin). */
  readonly via: string;
  /** A sentence naming the problem and the safe alternative. */
  readonly message: string;
}

const SHELLS = new Set(['sh', 'bash', 'zsh', 'ksh', 'dash', 'ash', 'mksh', 'fish']);
/** Commands that run the rest of their words as a command (after their own options). */
const WRAPPERS = new Set([
  'sudo',
  'doas',
  'env',
  'exec',
  'command',
  'nohup',
  'nice',
  'time',
  'stdbuf',
  'setsid',
]);
/** ssh options that take an argument (`-p 22`). */
const SSH_OPTIONS_WITH_ARGUMENT = new Set('BbcDEeFIiJLlmOoPpQRSWw'.split(''));
/** Stands for one `{{ … }}` that outputs a value, in the text the reader walks. */
const MARK = '\u0000';

interface Word {
  text: string;
  /** Indexes of the value actions inside it. */
  marks: number[];
  quoted: boolean;
}

interface Command {
  words: Word[];
  /** Value actions inside its here-documents and here-strings (what it reads on stdin). */
  stdinMarks: number[];
  hasStdinText: boolean;
  /** Its output goes into the next command (`|`). */
  pipedToNext: boolean;
}

export function findNestedShellValues(template: Template): NestedShellValue[] {
  const actions: ActionNode[] = [];
  const text = skeleton(template.nodes, actions);
  const commands = readCommands(text);
  const found = new Map<number, NestedShellValue>();
  const flag = (marks: readonly number[], kind: NestedShellKind, via: string): void => {
    for (const m of marks) {
      const action = actions[m]!;
      if (found.has(m) || !readsData(action)) continue;
      const shown = template.source.slice(action.offset, action.offset + action.length);
      found.set(m, {
        offset: action.offset,
        length: action.length,
        kind,
        via,
        message: explain(shown, kind, via),
      });
    }
  };
  commands.forEach((command, c) => {
    for (const nested of nestedRegions(command)) {
      flag(nested.marks, nested.kind, nested.via);
      // What the commands before it in the pipeline print is the nested shell's script.
      if (nested.readsStdin) {
        for (let p = c - 1; p >= 0 && commands[p]!.pipedToNext; p--)
          flag(
            commands[p]!.words.flatMap((w) => w.marks),
            'stdin',
            nested.via,
          );
      }
    }
  });
  return [...found.values()].sort((a, b) => a.offset - b.offset);
}

function explain(shown: string, kind: NestedShellKind, via: string): string {
  const escaping = 'escaping makes it one literal word for the shell that runs the step, and';
  switch (kind) {
    case 'command-string':
      return (
        `${shown} lands inside the command string of \`${via}\`: ${escaping} \`${via}\` then parses that ` +
        `text again as shell code, so a value such as $(…) or ; would run there. Pass the value as an ` +
        `environment variable (step env: NAME: '${shown}', then "$NAME" inside the string) or as a ` +
        `positional argument (${via} '… "$1"' _ ${shown}).`
      );
    case 'eval':
      return (
        `${shown} is an argument of \`eval\`: ${escaping} eval parses it again as shell code. Use the value ` +
        `without eval, or pass it as an environment variable (step env) and quote it ("$NAME").`
      );
    case 'ssh':
      return (
        `${shown} is part of the remote command of \`${via}\`: ${escaping} ssh joins its arguments into ` +
        `one string that the remote shell parses again. Send the value on standard input instead ` +
        `(printf '%s\\n' ${shown} | ${via} 'read -r value; … "$value"').`
      );
    case 'stdin':
      return (
        `${shown} is in the script that \`${via}\` reads on standard input: ${escaping} that shell parses ` +
        `it again as code. Pass the value as an environment variable (step env) and use "$NAME" in the script.`
      );
  }
}

/** Literal text of the template with every value action as one MARK (control actions vanish). */
function skeleton(nodes: readonly Node[], actions: ActionNode[]): string {
  const parts: { offset: number; text: string }[] = [];
  const walk = (list: readonly Node[]): void => {
    for (const node of list) {
      if (node.kind === 'text') parts.push({ offset: node.offset, text: node.text.replaceAll(MARK, '') });
      else if (node.kind === 'action') {
        if (node.pipeline.declaration !== null) continue;
        parts.push({ offset: node.offset, text: MARK });
        actions.push(node);
      } else if (node.kind === 'conditional') {
        for (const branch of node.branches) walk(branch.body);
        if (node.elseBody) walk(node.elseBody);
      } else if (node.kind === 'range') {
        walk(node.body);
        if (node.elseBody) walk(node.elseBody);
      }
    }
  };
  walk(nodes);
  // Branches and loop bodies are read in source order, as if all of them were rendered once.
  const order = parts.map((p, i) => ({ ...p, i })).sort((a, b) => a.offset - b.offset || a.i - b.i);
  const sortedActions = [...actions].sort((a, b) => a.offset - b.offset);
  actions.splice(0, actions.length, ...sortedActions);
  return order.map((p) => p.text).join('');
}

/** Does the action read anything from the data (a literal such as {{ "x" }} cannot be hostile)? */
function readsData(action: ActionNode): boolean {
  return /"kind":"(field|variable|chain|dot)"/.test(JSON.stringify(action.pipeline));
}

/** Splits the text into simple commands, words and here-document bodies. */
function readCommands(text: string): Command[] {
  const commands: Command[] = [];
  const fresh = (): Command => ({ words: [], stdinMarks: [], hasStdinText: false, pipedToNext: false });
  let command = fresh();
  let word: Word | null = null;
  let markIndex = 0;
  const pendingHeredocs: { delimiter: string; stripTabs: boolean; command: Command }[] = [];
  let nextWordIsHereString = false;

  const add = (ch: string, quoted = false): void => {
    word ??= { text: '', marks: [], quoted: false };
    if (quoted) word.quoted = true;
    if (ch === MARK) word.marks.push(markIndex++);
    else word.text += ch;
  };
  const endWord = (): void => {
    if (word === null) return;
    if (nextWordIsHereString) {
      command.stdinMarks.push(...word.marks);
      command.hasStdinText = true;
      nextWordIsHereString = false;
    } else command.words.push(word);
    word = null;
  };
  const endCommand = (piped = false): void => {
    endWord();
    if (command.words.length > 0 || command.hasStdinText) {
      command.pipedToNext = piped;
      commands.push(command);
    }
    command = fresh();
  };
  /** Reads here-document bodies from `i` (just after a line break); returns where reading goes on. */
  const readHeredocs = (start: number): number => {
    let i = start;
    while (pendingHeredocs.length > 0) {
      const doc = pendingHeredocs.shift()!;
      doc.command.hasStdinText = true;
      while (i < text.length) {
        const end = text.indexOf('\n', i);
        const line = text.slice(i, end === -1 ? text.length : end);
        i = end === -1 ? text.length : end + 1;
        if ((doc.stripTabs ? line.replace(/^\t+/, '') : line) === doc.delimiter) break;
        for (const ch of line) if (ch === MARK) doc.command.stdinMarks.push(markIndex++);
      }
    }
    return i;
  };

  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const next = text[i + 1];
    if (ch === '\\') {
      if (next === '\n') i++;
      else if (next !== undefined) {
        add(next, true);
        i++;
      }
      continue;
    }
    if (ch === "'" || ch === '"') {
      // A quoted part of a word: '…' takes everything literally, "…" honours backslashes.
      word ??= { text: '', marks: [], quoted: true };
      word.quoted = true;
      let j = i + 1;
      for (; j < text.length && text[j] !== ch; j++) {
        if (ch === '"' && text[j] === '\\' && j + 1 < text.length) j++;
        add(text[j]!, true);
      }
      i = j;
      continue;
    }
    if (ch === '#' && word === null) {
      // A comment: its values are never parsed (but they keep their place in the count).
      while (i + 1 < text.length && text[i + 1] !== '\n') if (text[++i] === MARK) markIndex++;
      continue;
    }
    if (ch === '<' && next === '<') {
      endWord();
      if (text[i + 2] === '<') {
        nextWordIsHereString = true;
        i += 2;
        continue;
      }
      let j = i + 2;
      const stripTabs = text[j] === '-';
      if (stripTabs) j++;
      while (text[j] === ' ' || text[j] === '\t') j++;
      let delimiter = '';
      for (; j < text.length && !/[\s;&|()<>]/.test(text[j]!); j++)
        if (!`'"\\`.includes(text[j]!)) delimiter += text[j];
      pendingHeredocs.push({ delimiter, stripTabs, command });
      i = j - 1;
      continue;
    }
    if (ch === '\n') {
      endCommand();
      i = readHeredocs(i + 1) - 1;
      continue;
    }
    if (ch === ' ' || ch === '\t') {
      endWord();
      continue;
    }
    if (ch === '$' && next === '(') {
      endCommand();
      i++;
      continue;
    }
    if (ch === '|') {
      const pipe = next !== '|';
      endCommand(pipe);
      if (!pipe) i++;
      continue;
    }
    if (';&()`'.includes(ch)) {
      endCommand();
      continue;
    }
    add(ch);
  }
  endCommand();
  return commands;
}

interface NestedRegion {
  readonly marks: readonly number[];
  readonly kind: NestedShellKind;
  readonly via: string;
  /** The nested shell reads its script on stdin: what is piped into it counts too. */
  readonly readsStdin?: boolean;
}

const baseName = (w: Word): string => w.text.slice(w.text.lastIndexOf('/') + 1);

/** Where, in one simple command, values are parsed by a second shell. */
function nestedRegions(command: Command): NestedRegion[] {
  const regions: NestedRegion[] = [];
  const words = command.words;
  const head = commandHead(words);
  const marksFrom = (from: number) => words.slice(from).flatMap((w) => w.marks);
  // `sh -c STRING`, `bash -lc STRING`, `su USER -c STRING`, anywhere in the command (behind
  // `kubectl exec … --`, `docker exec`, `xargs`…).
  for (let k = 0; k < words.length; k++) {
    const name = baseName(words[k]!);
    if (SHELLS.has(name) || name === 'su' || name === 'runuser') {
      for (let j = k + 1; j < words.length; j++) {
        const w = words[j]!.text;
        if (w === '-c' || w === '--command' || (SHELLS.has(name) && /^-[A-Za-z]*c[A-Za-z]*$/.test(w))) {
          const string = words[j + 1];
          if (string) regions.push({ marks: string.marks, kind: 'command-string', via: `${name} ${w}` });
          break;
        }
        if (w.startsWith('--command=')) {
          regions.push({ marks: words[j]!.marks, kind: 'command-string', via: `${name} --command` });
          break;
        }
        if (w === '-o' || w === '+o') j++;
        else if (w.startsWith('-') || w.startsWith('+')) continue;
        // `su USER -c …` names the user first; for a shell, a word that is no option is its script.
        else if (SHELLS.has(name)) break;
      }
    }
  }
  if (head === undefined) return regions;
  const name = baseName(words[head]!);
  if (name === 'eval') regions.push({ marks: marksFrom(head + 1), kind: 'eval', via: 'eval' });
  if (name === 'ssh') {
    let j = head + 1;
    for (; j < words.length; j++) {
      const w = words[j]!.text;
      if (w === '--') {
        j++;
        break;
      }
      if (!w.startsWith('-')) break;
      const option = w[1];
      if (w.length === 2 && option !== undefined && SSH_OPTIONS_WITH_ARGUMENT.has(option)) j++;
    }
    const host = words[j];
    if (host) {
      const via = `ssh ${host.marks.length > 0 || host.text === '' ? 'HOST' : host.text}`;
      if (j + 1 < words.length) regions.push({ marks: marksFrom(j + 1), kind: 'ssh', via });
      else regions.push({ marks: command.stdinMarks, kind: 'stdin', via, readsStdin: true });
    }
  }
  if (SHELLS.has(name)) {
    // A shell without -c and without a script file reads its script on standard input.
    const rest = words.slice(head + 1).map((w) => w.text);
    const readsStdin =
      rest.every((w) => w.startsWith('-') || w.startsWith('+')) && !rest.some((w) => /^-[A-Za-z]*c/.test(w));
    if (readsStdin) regions.push({ marks: command.stdinMarks, kind: 'stdin', via: name, readsStdin: true });
  }
  return regions;
}

/** The index of the word that names the command run, past assignments and wrappers such as sudo. */
function commandHead(words: readonly Word[]): number | undefined {
  let k = 0;
  while (k < words.length) {
    const w = words[k]!;
    if (!w.quoted && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w.text)) k++;
    else if (WRAPPERS.has(baseName(w))) {
      k++;
      while (
        k < words.length &&
        (words[k]!.text.startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[k]!.text))
      )
        k++;
    } else if (w.text === 'kubectl' || w.text === 'docker' || w.text === 'podman') {
      // `kubectl exec POD -- CMD…`: the command after `--` is the one that runs.
      const dashes = words.findIndex((x, i) => i > k && x.text === '--' && !x.quoted);
      if (dashes === -1) return k;
      k = dashes + 1;
    } else return k;
  }
  return undefined;
}
