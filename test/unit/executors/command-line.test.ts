// Which commands are exec'd directly (make's fast path) and which go through the shell.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commandLine, directArgv } from '../../../src/executors/local/command-line.ts';
import { action } from './harness.ts';

describe('directArgv', () => {
  it('execs plain words directly', () => {
    assert.deepEqual(directArgv('true'), ['true']);
    assert.deepEqual(directArgv('sysctl deploy api --version=1.2.3'), [
      'sysctl',
      'deploy',
      'api',
      '--version=1.2.3',
    ]);
    assert.deepEqual(directArgv('./bin/tool -x a/b:c,d+e@f%g'), ['./bin/tool', '-x', 'a/b:c,d+e@f%g']);
  });

  it('leaves anything with shell syntax to the shell', () => {
    for (const command of [
      'echo $HOME',
      'a | b',
      'a && b',
      'a; b',
      'a > out',
      'ls *.ts',
      "say 'quoted'",
      'say "quoted"',
      'a\nb',
      'a  b',
      ' a',
      'a ',
      'a\tb',
      'cat ~/x',
      'x=1 cmd',
      'x=1',
      'a\\ b',
      '(a)',
      '',
    ]) {
      assert.equal(directArgv(command), undefined, JSON.stringify(command));
    }
  });

  it('leaves builtins and keywords (make`s list and more) to the shell', () => {
    for (const word of [
      'cd',
      'exit',
      'export',
      'set',
      'test',
      '.',
      ':',
      'if',
      'then',
      'source',
      'echo',
      'pwd',
      'kill',
    ]) {
      assert.equal(directArgv(`${word} x`), undefined, word);
    }
  });
});

describe('commandLine', () => {
  it('uses sh -c, or the chosen shell (never the fast path with a chosen shell)', () => {
    assert.deepEqual(commandLine(action('s', { command: 'a | b' }), '/s'), ['sh', '-c', 'a | b']);
    assert.deepEqual(commandLine(action('s', { command: 'true' }), '/s'), ['true']);
    assert.deepEqual(commandLine(action('s', { command: 'true', shell: 'bash' }), '/s'), [
      'bash',
      '-c',
      'true',
    ]);
  });

  it('execs a script with a shebang, else runs it with the shell', () => {
    assert.deepEqual(commandLine(action('s', { script: '#!/bin/bash\necho' }), '/f'), ['/f']);
    assert.deepEqual(commandLine(action('s', { script: 'echo' }), '/f'), ['sh', '/f']);
    assert.deepEqual(commandLine(action('s', { script: 'echo', shell: 'bash' }), '/f'), ['bash', '/f']);
  });
});
