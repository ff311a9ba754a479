// Template values inside nested shells: every command the checker flags really runs a hostile value
// when rendered and run by sh, and the safe alternatives its message names neither run it nor are
// flagged. ssh cannot run here; its cases are checked by what is flagged.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findNestedShellValues } from '../../../src/template/nested-shell.ts';
import { parsed, render } from './support.ts';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'conveyor-nested-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const flagged = (source: string) =>
  findNestedShellValues(parsed(source)).map((f) => source.slice(f.offset, f.offset + f.length));

/** Renders `source` with a hostile `.p` and runs it: did the value's command run? */
function runsHostileValue(source: string, env: Record<string, string> = {}): boolean {
  const marker = join(dir, `owned-${Math.random().toString(36).slice(2)}`);
  const command = render(source, { p: `x; touch ${marker}` }, { mode: 'shell' });
  const renderedEnv = Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, render(v, { p: `x; touch ${marker}` })]),
  );
  spawnSync('sh', ['-c', command], { env: { PATH: process.env.PATH, ...renderedEnv }, stdio: 'ignore' });
  return existsSync(marker);
}

describe('values in nested shells', () => {
  const dangerous = [
    'sh -c "echo {{ .p }}"',
    "bash -c 'echo {{ .p }}'",
    'bash -lc "echo start; echo {{ .p }}"',
    'sudo -n sh -c "echo {{ .p }}" 2>/dev/null || sh -c "echo {{ .p }}"',
    'eval echo {{ .p }}',
    'echo echo {{ .p }} | sh',
    'sh <<EOF\necho {{ .p }}\nEOF',
    'printf \'%s\\n\' "echo {{ .p }}" | bash',
    'env X=1 sh -c "echo {{ .p }}"',
  ];
  for (const source of dangerous) {
    it(`flags, and a hostile value really runs in: ${JSON.stringify(source)}`, () => {
      assert.ok(flagged(source).length > 0, 'not flagged');
      assert.equal(runsHostileValue(source), true, 'the hostile value did not run: the case proves nothing');
    });
  }

  const safe: [string, Record<string, string>?][] = [
    ['echo {{ .p }}'],
    ['echo "{{ .p }}" | grep x'],
    ['sh -c \'echo "$1"\' _ {{ .p }}'],
    ['sh -c \'echo "$P"\'', { P: '{{ .p }}' }],
    ['cat <<EOF\n{{ .p }}\nEOF'],
    ['# sh -c "{{ .p }}"\necho ok'],
    ['bash script.sh {{ .p }}'],
    ['kubectl exec pod -- printf %s {{ .p }} >/dev/null 2>&1 || true'],
  ];
  for (const [source, env] of safe) {
    it(`does not flag, and the value stays data in: ${JSON.stringify(source)}`, () => {
      assert.deepEqual(flagged(source), []);
      assert.equal(runsHostileValue(source, env), false);
    });
  }

  it('flags the remote command of ssh and a script fed to a bare ssh, but not a value sent on stdin', () => {
    assert.deepEqual(flagged('ssh -p 2222 deploy@db1 "systemctl restart {{ .service }}"'), [
      '{{ .service }}',
    ]);
    assert.deepEqual(flagged('ssh db1 <<EOF\nrestart {{ .service }}\nEOF'), ['{{ .service }}']);
    assert.deepEqual(flagged("printf '%s\\n' {{ .service }} | ssh db1 'read -r s; restart \"$s\"'"), []);
    assert.deepEqual(flagged('ssh {{ .host }} uptime'), []);
  });

  it('flags su -c and a shell behind kubectl exec, and says where and what to do instead', () => {
    assert.deepEqual(flagged('su postgres -c "psql -c {{ .query }}"'), ['{{ .query }}']);
    const source = 'kubectl exec -n {{ .ns }} deploy/api -- sh -c "migrate --to {{ .version }}"';
    const [finding, ...more] = findNestedShellValues(parsed(source));
    assert.equal(more.length, 0);
    assert.equal(source.slice(finding!.offset, finding!.offset + finding!.length), '{{ .version }}');
    assert.equal(finding!.via, 'sh -c');
    assert.match(finding!.message, /environment variable/);
    assert.match(finding!.message, /positional argument/);
  });

  it('does not flag literals, and reads values inside if and range bodies', () => {
    assert.deepEqual(flagged('sh -c "echo {{ \'fixed\' }}"'), []);
    // bash's here-strings too (dash, the sh here, has none).
    assert.deepEqual(flagged('bash <<< "echo {{ .p }}"'), ['{{ .p }}']);
    assert.deepEqual(flagged('{{ if .debug }}sh -c "echo {{ .p }}"{{ end }}'), ['{{ .p }}']);
    assert.deepEqual(flagged('{{ range .hosts }}eval echo {{ . }}; {{ end }}'), ['{{ . }}']);
  });
});
