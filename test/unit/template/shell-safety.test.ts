// Shell safety, proven by running the rendered commands: hostile parameter values substituted into
// commands and scripts never execute or expand, whatever quotes they land in; `raw` opts out.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { shellEscape } from '../../../src/template/index.ts';
import { render, renderError } from './support.ts';

let dir = '';
let owned = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'conveyor-shell-'));
  owned = join(dir, 'owned');
});
after(() => rmSync(dir, { recursive: true, force: true }));

function hostileValues(): string[] {
  return [
    `x; touch ${owned}`,
    'x; touch $DIR/owned',
    `$(touch ${owned})`,
    '$(touch $DIR/owned)',
    `\`touch ${owned}\``,
    `a'b; touch ${owned}; echo 'c`,
    `"; touch ${owned}; echo "`,
    `'"'"'; touch ${owned} #`,
    `line one\ntouch ${owned}\nline three`,
    `x && touch ${owned} || touch ${owned}`,
    `| touch ${owned}`,
    `> ${owned}`,
    `\${IFS}touch\${IFS}${owned}`,
    '*',
    '~root',
    '$HOME $1 $@ $$',
    '{a,b} [ab] ?',
    '\\',
    'back\\slash\\n',
    '#not a comment',
    '!history',
    'tab\there',
    '-n',
    'émoji 🚀',
    '',
    'plain-value_1.2:3/4=5@6+7,8',
  ];
}

function run(shell: 'sh' | 'bash', script: string): string {
  const result = spawnSync(shell, ['-c', script], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, DIR: dir, HOME: dir },
    timeout: 10_000,
  });
  assert.equal(result.status, 0, `${shell} failed: ${result.stderr}\n--- script ---\n${script}`);
  return result.stdout;
}

/** Renders one line (or block) per value with `{{ .vN }}` standing for value N, in shell mode. */
function renderEach(values: readonly string[], block: (name: string) => string): string {
  const source = values.map((_, i) => block(`{{ .v${i} }}`)).join('');
  const data = Object.fromEntries(values.map((v, i) => [`v${i}`, v]));
  return render(source, data, { mode: 'shell' });
}

const contexts: {
  name: string;
  block: (slot: string) => string;
  shells: ('sh' | 'bash')[];
  expect: (v: string) => string;
}[] = [
  {
    name: 'unquoted',
    block: (s) => `printf '%s|\\n' ${s}\n`,
    shells: ['sh', 'bash'],
    expect: (v) => `${v}|\n`,
  },
  {
    name: 'inside a word',
    block: (s) => `printf '%s|\\n' pre-${s}-post\n`,
    shells: ['sh', 'bash'],
    expect: (v) => `pre-${v}-post|\n`,
  },
  {
    name: 'in double quotes',
    block: (s) => `printf '%s|\\n' "${s}"\n`,
    shells: ['sh', 'bash'],
    expect: (v) => `${v}|\n`,
  },
  {
    name: 'in single quotes',
    block: (s) => `printf '%s|\\n' 'pre ${s} post'\n`,
    shells: ['sh', 'bash'],
    expect: (v) => `pre ${v} post|\n`,
  },
  {
    name: 'in $(…) inside double quotes',
    block: (s) => `printf '%s|\\n' "$(printf '%s' ${s})"\n`,
    shells: ['sh', 'bash'],
    expect: (v) => `${v}|\n`,
  },
  {
    name: 'in a comment',
    block: (s) => `printf 'ok|\\n' # it's ${s}\n`,
    shells: ['sh', 'bash'],
    expect: () => 'ok|\n',
  },
  {
    name: 'in a here-document',
    block: (s) => `cat <<EOF\n${s}\nEOF\n`,
    shells: ['sh', 'bash'],
    expect: (v) => `${v}\n`,
  },
  {
    name: 'in a quoted here-document',
    block: (s) => `cat <<'EOF'\n\t${s}\nEOF\n`,
    shells: ['sh', 'bash'],
    expect: (v) => `\t${v}\n`,
  },
  {
    name: 'in a tab-stripped here-document',
    block: (s) => `cat <<-END\n\t${s}\n\tEND\n`,
    shells: ['sh', 'bash'],
    expect: (v) => `${v}\n`,
  },
];

describe('shell escaping of hostile values', () => {
  for (const context of contexts) {
    for (const shell of context.shells) {
      it(`never executes a value substituted ${context.name} (${shell}), and keeps it exact`, () => {
        const values = hostileValues().filter((v) => !(context.name.includes('$(') && v.endsWith('\n')));
        const script = renderEach(values, context.block);
        const output = run(shell, script);
        assert.equal(existsSync(owned), false, `a value executed:\n${script}`);
        assert.equal(output, values.map(context.expect).join(''));
      });
    }
  }

  it('escapes list items one by one when unquoted', () => {
    const list = hostileValues();
    const script = render("printf '%s|' {{ .list }}", { list }, { mode: 'shell' });
    assert.equal(run('sh', script), list.map((v) => `${v}|`).join(''));
    assert.equal(existsSync(owned), false);
  });

  it('keeps a list in double quotes as one space-separated word', () => {
    const list = ['a b', '$(touch owned)', '"q"'];
    const script = render('printf \'%s|\' "{{ .list }}"', { list }, { mode: 'shell' });
    assert.equal(run('sh', script), 'a b $(touch owned) "q"|');
    assert.equal(existsSync(join(dir, 'owned')), false);
  });

  it('echoes hostile values back exactly', () => {
    for (const value of hostileValues().filter((v) => !v.includes('\\') && !v.startsWith('-'))) {
      const script = render('echo {{ .x }}', { x: value }, { mode: 'shell' });
      assert.equal(run('sh', script), `${value}\n`);
    }
    assert.equal(existsSync(owned), false);
  });

  it('leaves plainly safe values unquoted and quotes the rest', () => {
    assert.equal(
      render(
        'deploy {{ .a }} {{ .b }} {{ .c }}',
        { a: 'api-v1.2', b: 'two words', c: '' },
        { mode: 'shell' },
      ),
      "deploy api-v1.2 'two words' ''",
    );
    assert.equal(render('echo {{ .q }}', { q: "it's" }, { mode: 'shell' }), "echo 'it'\\''s'");
  });

  it('follows quotes through a script whose comments contain apostrophes', () => {
    const script = `# don't stop here
echo "{{ .x }}" # it's fine
echo '{{ .x }}'
`;
    const x = `$(touch ${owned})'"`;
    assert.equal(run('bash', render(script, { x }, { mode: 'shell' })), `${x}\n${x}\n`);
    assert.equal(existsSync(owned), false);
  });

  it('does not mistake an arithmetic shift for a here-document', () => {
    const script = render(
      'echo $(( 1 << 2 )) {{ .x }}\necho done',
      { x: `; touch ${owned}` },
      { mode: 'shell' },
    );
    assert.equal(run('bash', script), `4 ; touch ${owned}\ndone\n`);
    assert.equal(existsSync(owned), false);
  });

  it('refuses a value that would end a here-document early, also from a $(…) inside it', () => {
    const x = `fine\nEOF\ntouch ${owned}; echo '\n`;
    for (const source of [
      'cat <<EOF\n{{ .x }}\nEOF\n',
      'cat <<EOF\n$(echo {{ .x }})\nEOF\n',
      // bash may read a << inside $[ … ] or $(( … )) as a here-document after all
      'echo $[ 1 <<EOF ]\n{{ .x }}\n',

      "cat <<'EOF'\n\t{{ .x }}\nEOF\n",
    ]) {
      assert.match(
        renderError(source, { x }, { mode: 'shell' }).message,
        /would end the here-document early/,
        source,
      );
    }
    // A backslash at the end of a line joins it with the next, where the value then starts.
    const joined = renderError(
      'cat <<EOF\n\\\n{{ .x }}\nEOF\n',
      { x: `EOF\ntouch ${owned}` },
      { mode: 'shell' },
    );
    assert.match(joined.message, /would end the here-document early/);
  });

  it('refuses a value that needs quoting inside backquotes, but allows a plainly safe one', () => {
    assert.match(
      renderError('echo `echo {{ .x }}`', { x: 'a;b' }, { mode: 'shell' }).message,
      /inside `…`: use \$\(…\) instead/,
    );
    assert.equal(render('echo `echo {{ .x }}`', { x: 'abc' }, { mode: 'shell' }), 'echo `echo abc`');
  });

  it('refuses a value that needs quoting right after a backslash', () => {
    assert.match(
      renderError('echo \\{{ .x }}', { x: "'; touch x" }, { mode: 'shell' }).message,
      /cannot follow a backslash/,
    );
  });

  it('refuses values with $ or ` where bash evaluates arithmetic, which would run them even quoted', () => {
    const hostile = `a[$(touch ${owned})]`;
    for (const source of [
      '[[ {{ .x }} -eq 1 ]]',
      '[[ "{{ .x }}" -eq 1 ]]',
      'echo $(( {{ .x }} + 1 ))',
      '(( n = {{ .x }} ))',
      'let n={{ .x }}',
      'declare -i n={{ .x }}',
      'echo "$[ {{ .x }} ]"',
      'local n={{ .x }}',
      'if [[ -n "$(echo {{ .x }})" ]]; then :; fi',
    ]) {
      assert.match(
        renderError(source, { x: hostile }, { mode: 'shell' }).message,
        /bash may evaluate it as arithmetic/,
        source,
      );
    }
    const script = render(
      '[[ {{ .n }} -eq 5 ]] && (( {{ .n }} > 1 )) && let m={{ .n }} && echo "{{ .s }} $m"',
      { n: '5', s: 'a b' },
      { mode: 'shell' },
    );
    assert.equal(run('bash', script), 'a b 5\n');
    assert.equal(existsSync(owned), false);
  });

  it('ends arithmetic and test contexts where bash does', () => {
    const x = `$(touch ${owned})`;
    const script = render(
      '[[ 1 -eq 1 ]]; echo {{ .x }}; (( 1 )) && echo "{{ .x }}"; let n=1; echo {{ .x }}',
      { x },
      { mode: 'shell' },
    );
    assert.equal(run('bash', script), `${x}\n${x}\n${x}\n`);
    assert.equal(existsSync(owned), false);
  });

  it("refuses a value that needs quoting after $'…' or $[…], which sh and bash read differently", () => {
    const x = "'; touch x; '";
    for (const source of ["echo $'{{ .x }}'", 'echo $[#{{ .x }}', "echo $'a\\' {{ .x }}"]) {
      assert.match(
        renderError(source, { x }, { mode: 'shell' }).message,
        /sh and bash read the text differently/,
        source,
      );
    }
    assert.equal(run('sh', render("echo $$'{{ .x }}'", { x }, { mode: 'shell' })).endsWith(`${x}\n`), true);
    assert.equal(run('bash', render("echo $'a' {{ .v }}", { v: 'safe' }, { mode: 'shell' })), 'a safe\n');
    assert.equal(existsSync(join(dir, 'x')), false);
  });

  it('refuses a value that needs quoting inside ${…} or right after $, but allows a plainly safe one', () => {
    assert.match(
      renderError('echo "${X:-{{ .x }}}"', { x: 'a b' }, { mode: 'shell' }).message,
      /inside \$\{…\}/,
    );
    assert.match(
      renderError('echo ${{ .x }}', { x: '(id)' }, { mode: 'shell' }).message,
      /cannot directly follow '\$'/,
    );
    assert.match(
      renderError('echo "${{ .x }}"', { x: '(id)' }, { mode: 'shell' }).message,
      /cannot directly follow '\$'/,
    );
    assert.equal(
      run(
        'bash',
        render('X=; Y=yes; echo "${X:-{{ .x }}}" ${{ .v }}', { x: 'fallback', v: 'Y' }, { mode: 'shell' }),
      ),
      'fallback yes\n',
    );
  });

  it('fills a bash array with list items one by one, but refuses line breaks there', () => {
    const services = ['api', 'a b', `$(touch ${owned})`];
    const script = render(
      'arr=({{ .services }}); echo ${#arr[@]}; printf "%s|" "${arr[@]}"',
      { services },
      { mode: 'shell' },
    );
    assert.equal(run('bash', script), `3\n${services.join('|')}|`);
    assert.match(
      renderError('arr=({{ .services }})', { services: ['a\nb'] }, { mode: 'shell' }).message,
      /line break cannot be used inside an array assignment/,
    );
    assert.equal(existsSync(owned), false);
  });

  it('refuses values that need quoting after a case statement inside $(…), but not after one outside', () => {
    const x = `a; touch ${owned}`;
    const inside = 'echo "$(case y in y) echo {{ .x }};; esac)"';
    assert.match(renderError(inside, { x }, { mode: 'shell' }).message, /case statement inside \$\( … \)/);
    const outside = 'case y in y) echo {{ .x }};; esac; echo "$(echo {{ .x }})"';
    assert.equal(run('sh', render(outside, { x }, { mode: 'shell' })), `${x}\n${x}\n`);
    assert.equal(existsSync(owned), false);
  });

  it('substitutes raw values verbatim, so they do run', () => {
    const marker = join(dir, 'raw-ran');
    const script = render('{{ .cmd | raw }}', { cmd: `touch ${marker}` }, { mode: 'shell' });
    assert.equal(script, `touch ${marker}`);
    run('sh', script);
    assert.equal(existsSync(marker), true);
  });

  it('escapes a lone string with POSIX single quotes', () => {
    assert.equal(shellEscape(''), "''");
    assert.equal(shellEscape('safe/path:1'), 'safe/path:1');
    assert.equal(shellEscape("a'b"), "'a'\\''b'");
    assert.equal(shellEscape('$(id)'), "'$(id)'");
  });
});
