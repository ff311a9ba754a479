// Shell completion as users get it: the script `conveyor completion bash|zsh|fish` prints, loaded
// into the real shell, asked to complete a command line. bash: the completion function with
// COMP_WORDS/COMP_CWORD set, read back from COMPREPLY; zsh: the script installed in $fpath and
// autoloaded as compinit does, with compadd and _files recording what they are given; fish: its own
// completion engine (`complete --do-complete`). The scripts call `conveyor` from PATH (a shim here).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { BIN, BREAKS_WORKFLOW, conveyor, GREET_WORKFLOW, tempDir } from './cli-harness.ts';

/** A folder with conveyor on PATH and each shell's script where that shell looks for it. */
const shim = tempDir('conveyor-shim-');
const project = tempDir();
const state = join(project, 'state');
let greetRun = '';
let breaksRun = '';

const quote = (word: string): string => `'${word.replace(/'/g, "'\\''")}'`;
const PATH = `${shim}:${process.env.PATH ?? ''}`;

function shell(program: string, args: string[], env: Record<string, string> = {}): string[] {
  const r = spawnSync(program, args, {
    cwd: project,
    encoding: 'utf8',
    env: { ...process.env, PATH, ...env },
  });
  assert.equal(r.status, 0, `${program}: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '');
}

function bashComplete(line: string[], env: Record<string, string> = {}): string[] {
  const words = ['conveyor', ...line].map(quote).join(' ');
  return shell(
    'bash',
    [
      '-c',
      `source ${quote(join(shim, 'conveyor.bash'))}
COMP_WORDS=(${words}); COMP_CWORD=${line.length}
_conveyor 2>/dev/null
printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    env,
  );
}

/** zsh, as in a fresh shell: the first completion autoloads _conveyor from $fpath. */
function zshComplete(line: string[]): string[] {
  const words = ['conveyor', ...line].map(quote).join(' ');
  return shell('zsh', [
    '-f',
    '-c',
    `fpath=(${quote(join(shim, 'zsh'))} $fpath)
compdef() { : }
_files() { print -r -- '(files)' }
compadd() { local name=\${@[-1]}; print -rl -- "\${(@P)name}" }
autoload -Uz _conveyor
words=(${words}); CURRENT=${line.length + 1}
_conveyor`,
  ]);
}

/** fish's completions for the line (as typed, the last word being completed), without descriptions. */
function fishComplete(line: string): string[] {
  return shell(
    'fish',
    ['--no-config', '-c', `source ${quote(join(shim, 'conveyor.fish'))}; complete --do-complete "$LINE"`],
    { LINE: `conveyor ${line}` },
  ).map((l) => l.split('\t')[0] as string);
}

before(async () => {
  writeFileSync(join(shim, 'conveyor'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, {
    mode: 0o755,
  });
  mkdirSync(join(shim, 'zsh'));
  for (const [shellName, file] of [
    ['bash', 'conveyor.bash'],
    ['zsh', 'zsh/_conveyor'],
    ['fish', 'conveyor.fish'],
  ] as const) {
    const r = await conveyor(['completion', shellName]);
    assert.equal(r.code, 0, r.stderr);
    writeFileSync(join(shim, file), r.stdout);
  }
  writeFileSync(join(project, 'greet.yaml'), GREET_WORKFLOW);
  writeFileSync(join(project, 'breaks.yaml'), BREAKS_WORKFLOW);
  const ran = await conveyor(['run', 'greet.yaml', '--state-dir', state, '-o', 'json'], { cwd: project });
  assert.equal(ran.code, 0, ran.stderr);
  greetRun = (JSON.parse(ran.stdout) as { run_id: string }).run_id;
  const failed = await conveyor(['run', 'breaks.yaml', '--state-dir', state, '-o', 'json'], { cwd: project });
  assert.equal(failed.code, 1, failed.stderr);
  breaksRun = (JSON.parse(failed.stdout) as { run_id: string }).run_id;
});

describe('bash completion', () => {
  test('completes commands, options, workflow parameters and phases', () => {
    assert.deepEqual(bashComplete(['hist']), ['history']);
    assert.deepEqual(bashComplete(['help', 'val']), ['validate']);
    assert.ok(bashComplete(['run', 'greet.yaml', '--par']).includes('--parallel'));
    assert.ok(bashComplete(['run', 'greet.yaml', '--par']).includes('--parameter-file'));
    assert.deepEqual(bashComplete(['run', 'greet.yaml', '--set', '']), ['greeting=', 'count=']);
    assert.deepEqual(bashComplete(['history', '--status', 'F']), ['Failed']);
    assert.deepEqual(bashComplete(['completion', '']), ['bash', 'zsh', 'fish']);
  });

  test('completes run ids for every command that takes a RUN, newest first', () => {
    for (const command of [
      'get',
      'logs',
      'resume',
      'retry',
      'rollback',
      'stop',
      'terminate',
      'approve',
      'graph',
    ]) {
      assert.deepEqual(bashComplete([command, '--state-dir', state, '']), [breaksRun, greetRun], command);
    }
  });

  test("completes a run's steps after the RUN of logs and approve and after retry --from", () => {
    assert.deepEqual(bashComplete(['logs', '--state-dir', state, greetRun, '']), ['say', 'after']);
    assert.deepEqual(bashComplete(['retry', breaksRun, '--state-dir', state, '--from', 's']), ['second']);
    assert.deepEqual(bashComplete(['approve', greetRun, '--state-dir', state, '']), ['say', 'after']);
  });

  test("offers retry's --set and --parameter-file, and the run's parameters after retry RUN --set", () => {
    assert.ok(bashComplete(['retry', greetRun, '--se']).includes('--set'));
    assert.ok(bashComplete(['retry', greetRun, '--par']).includes('--parameter-file'));
    assert.deepEqual(bashComplete(['retry', greetRun, '--state-dir', state, '--set', '']), [
      'greeting=',
      'count=',
    ]);
  });

  test('completes the workflows of the runs after history --workflow', () => {
    assert.deepEqual(bashComplete(['history', '--state-dir', state, '--workflow', '']), ['breaks', 'greet']);
  });
});

describe('zsh completion', () => {
  test('completes from the first Tab of a shell that autoloads the script from $fpath', () => {
    assert.deepEqual(zshComplete(['hist']), ['history']);
    assert.deepEqual(zshComplete(['run', 'greet.yaml', '--set', '']), ['greeting=', 'count=']);
    assert.deepEqual(zshComplete(['get', '--state-dir', state, '']), [breaksRun, greetRun]);
  });

  test('sourced after compinit, registers itself for conveyor and kubectl-conveyor', () => {
    const script = quote(join(shim, 'zsh', '_conveyor'));
    assert.deepEqual(shell('zsh', ['-f', '-c', `compdef() { print -r -- "compdef $*" }; source ${script}`]), [
      'compdef _conveyor conveyor kubectl-conveyor',
    ]);
  });

  test('leaves file names to zsh when conveyor has nothing to offer', () => {
    assert.deepEqual(zshComplete(['run', 'gr']), ['(files)']);
  });
});

describe('fish completion', () => {
  test('completes commands, parameters and run ids, and offers no file names beside them', () => {
    assert.deepEqual(fishComplete('hist'), ['history']);
    assert.deepEqual(fishComplete('run greet.yaml --set ').sort(), ['count=', 'greeting=']);
    assert.deepEqual(fishComplete(`get --state-dir ${state} `).sort(), [breaksRun, greetRun].sort());
  });

  test('completes file names when conveyor has nothing to offer', () => {
    assert.deepEqual(fishComplete('run gr'), ['greet.yaml']);
  });
});

describe('completion against a cluster', () => {
  /** A kubeconfig whose API server is at `port` of this host. */
  function kubeconfigAt(port: number): string {
    const file = join(project, `kubeconfig-${port}`);
    writeFileSync(
      file,
      `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'https://127.0.0.1:${port}' } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: c, context: { cluster: c, user: u, namespace: team } }]
current-context: c
`,
    );
    return file;
  }

  test(
    'with --cluster, --kubeconfig or -n on the line, runs never come from the state dir; a cluster that refuses or never answers gives nothing and prints nothing',
    {
      timeout: 120_000,
    },
    async () => {
      // One port nobody listens on (connection refused), one that accepts and never answers.
      const closed = createServer();
      await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
      const refusedPort = (closed.address() as AddressInfo).port;
      await new Promise((done) => closed.close(done));
      const silent = createServer(() => {});
      await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
      const silentPort = (silent.address() as AddressInfo).port;
      try {
        for (const kubeconfig of [kubeconfigAt(refusedPort), kubeconfigAt(silentPort)]) {
          for (const line of [
            ['get', '--cluster', '--kubeconfig', kubeconfig, '--state-dir', state, ''],
            ['logs', '--kubeconfig', kubeconfig, '--state-dir', state, greetRun, ''],
            ['retry', greetRun, '--kubeconfig', kubeconfig, '--state-dir', state, '--set', ''],
            ['history', '--cluster', '--kubeconfig', kubeconfig, '--state-dir', state, '--workflow', ''],
          ]) {
            const r = await conveyor(['__complete', ...line], { cwd: project });
            assert.equal(r.code, 0, r.stderr);
            assert.deepEqual([r.stdout, r.stderr], ['', ''], line.join(' '));
          }
        }
        // -n selects the cluster as it does for approve itself ($KUBECONFIG's); history's -n is a limit.
        const env = { KUBECONFIG: kubeconfigAt(refusedPort) };
        assert.deepEqual(bashComplete(['approve', '-n', 'team', '--state-dir', state, ''], env), []);
        assert.deepEqual(bashComplete(['approve', '--state-dir', state, ''], env), [breaksRun, greetRun]);
        assert.deepEqual(bashComplete(['history', '-n', '5', '--state-dir', state, '--workflow', ''], env), [
          'breaks',
          'greet',
        ]);
      } finally {
        silent.close();
      }
    },
  );
});

describe('conveyor completion', () => {
  test('an unknown shell is a usage error', async () => {
    const bad = await conveyor(['completion', 'tcsh']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Usage: conveyor completion bash\|zsh\|fish/);
  });
});
