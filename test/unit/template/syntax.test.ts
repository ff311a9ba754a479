// The template syntax: Go's actions, trimming, literals and control structures, the seed's infix
// operators, and the located, specific errors that malformed templates get.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasTemplate } from '../../../src/template/index.ts';
import { parseError, pointedAt, render, value } from './support.ts';

describe('template syntax', () => {
  it('trims whitespace, newlines included, on the side of a dash', () => {
    assert.equal(render('a  \n {{- "b" -}} \n\t c'), 'abc');
    assert.equal(render('a  {{- "b" }}  c'), 'ab  c');
    assert.equal(render('a  {{ "b" -}}  c'), 'a  bc');
  });

  it('reads {{-3}} as the number -3, not as trimming', () => {
    assert.equal(render('a {{-3}}'), 'a -3');
  });

  it('drops comments, with trimming', () => {
    assert.equal(render('a{{/* a comment with }} inside */}}b'), 'ab');
    assert.equal(render('a \n{{- /* gone */ -}}\n b'), 'ab');
  });

  it('decodes double-quoted, single-quoted and raw strings', () => {
    assert.equal(render('{{ "tab\\there \\"q\\" \\u00e9 \\x41 \\101" }}'), 'tab\there "q" é A A');
    assert.equal(render("{{ 'it\\'s' }}"), "it's");
    assert.equal(render('{{ `raw \\n {{ }} text` }}'), 'raw \\n {{ }} text');
  });

  it('reads numbers in Go syntax', () => {
    assert.equal(value('{{ 0x1F }}'), 31);
    assert.equal(value('{{ 1.5e3 }}'), 1500);
    assert.equal(value('{{ -2 }}'), -2);
    assert.equal(value('{{ 0b101 }}'), 5);
  });

  it('reads true, false and nil', () => {
    assert.equal(value('{{ true }}'), true);
    assert.equal(value('{{ false }}'), false);
    assert.equal(value('{{ nil }}'), null);
  });

  it('treats and/or at the start of a command as Go function calls', () => {
    assert.equal(value('{{ and (eq .a 1) (eq .b 2) }}', { a: 1, b: 2 }), true);
    assert.equal(value('{{ or .a .b }}', { a: '', b: 'x' }), 'x');
  });

  it('treats and/or between operands as infix operators', () => {
    assert.equal(value('{{ eq .a 1 and eq .b 3 }}', { a: 1, b: 2 }), false);
    assert.equal(value('{{ .a or .b and .c }}', { a: 'A', b: '', c: 'C' }), 'A');
    assert.equal(value('{{ .a or .b and .c }}', { a: '', b: 'B', c: 'C' }), 'C');
  });

  it('gives not a lower precedence than comparisons', () => {
    assert.equal(value('{{ not .a == .b }}', { a: 1, b: 2 }), true);
    assert.equal(value("{{ not 'x' in .list }}", { list: ['x'] }), false);
    assert.equal(value("{{ 'y' not in .list }}", { list: ['x'] }), true);
    assert.equal(value('{{ not not .a }}', { a: 'x' }), true);
  });

  it('lets a function call be an operand of a comparison', () => {
    assert.equal(value('{{ len .services > 2 }}', { services: ['a', 'b', 'c'] }), true);
    assert.equal(value("{{ upper .name == 'API' }}", { name: 'api' }), true);
  });

  it('binds pipes loosest, appending the value as the last argument', () => {
    assert.equal(value('{{ .a == .b | not }}', { a: 1, b: 1 }), false);
    assert.equal(render('{{ "x" | printf "%s-%s" "y" }}'), 'y-x');
    assert.equal(render('{{ .missing | default "none" | upper }}', { missing: '' }), 'NONE');
  });

  it('evaluates parenthesised pipelines and reads fields of their value', () => {
    assert.equal(render('{{ (fromJSON .s).name }}', { s: '{"name":"api"}' }), 'api');
    assert.equal(value('{{ (.a | len) == 2 }}', { a: 'xy' }), true);
  });

  it('builds list literals, nested and with a trailing comma', () => {
    assert.deepEqual(value("{{ ['a', 1, [true], .x,] }}", { x: 'y' }), ['a', 1, [true], 'y']);
    assert.deepEqual(value('{{ [] }}'), []);
  });

  it('declares and assigns variables with := and =', () => {
    assert.equal(render('{{ $x := 1 }}{{ $x = 2 }}{{ $x }}'), '2');
    assert.equal(render('{{ $n := 0 }}{{ range .l }}{{ $n = . }}{{ end }}{{ $n }}', { l: [1, 2, 3] }), '3');
  });

  it('scopes variables to the control structure that declares them', () => {
    const error = parseError('{{ if true }}{{ $x := 1 }}{{ end }}{{ $x }}');
    assert.equal(error.message, "undefined variable '$x'");
  });

  it('supports if / else if / else', () => {
    const source = '{{ if eq .n 1 }}one{{ else if eq .n 2 }}two{{ else }}many{{ end }}';
    assert.equal(render(source, { n: 1 }), 'one');
    assert.equal(render(source, { n: 2 }), 'two');
    assert.equal(render(source, { n: 3 }), 'many');
  });

  it('supports with, which rebinds dot, and else with', () => {
    assert.equal(
      render('{{ with .user }}{{ .name }}{{ else }}nobody{{ end }}', { user: { name: 'ann' } }),
      'ann',
    );
    assert.equal(render('{{ with .user }}{{ .name }}{{ else }}nobody{{ end }}', { user: null }), 'nobody');
    assert.equal(render('{{ with .a }}A{{ else with .b }}{{ . }}{{ end }}', { a: '', b: 'B' }), 'B');
  });

  it('ranges over lists with index and element, rebinding dot', () => {
    assert.equal(
      render('{{ range $i, $s := .l }}{{ $i }}={{ $s }} {{ end }}', { l: ['a', 'b'] }),
      '0=a 1=b ',
    );
    assert.equal(render('{{ range .l }}[{{ . }}]{{ end }}', { l: ['a', 'b'] }), '[a][b]');
    assert.equal(render('{{ range $s := .l }}{{ $s }}{{ end }}', { l: ['a', 'b'] }), 'ab');
  });

  it('ranges over objects in sorted key order', () => {
    assert.equal(
      render('{{ range $k, $v := .m }}{{ $k }}:{{ $v }};{{ end }}', { m: { b: 2, a: 1 } }),
      'a:1;b:2;',
    );
  });

  it('ranges over an integer count', () => {
    assert.equal(render('{{ range 3 }}{{ . }}{{ end }}'), '012');
  });

  it('runs the else of a range over nothing', () => {
    assert.equal(render('{{ range .l }}x{{ else }}empty{{ end }}', { l: [] }), 'empty');
    assert.equal(render('{{ range .l }}x{{ else }}empty{{ end }}', { l: null }), 'empty');
  });

  it('supports break and continue inside range', () => {
    assert.equal(
      render(
        '{{ range .l }}{{ if eq . 2 }}{{ continue }}{{ end }}{{ if eq . 4 }}{{ break }}{{ end }}{{ . }}{{ end }}',
        { l: [1, 2, 3, 4, 5] },
      ),
      '13',
    );
  });

  it('reads $ as the data everywhere, also inside range', () => {
    assert.equal(render('{{ range .l }}{{ $.env }}-{{ . }} {{ end }}', { l: ['a'], env: 'prod' }), 'prod-a ');
  });

  it('returns the typed value only for a template that is one action', () => {
    assert.equal(value('  {{ .n }}\n', { n: 5 }), 5);
    assert.equal(value('n={{ .n }}', { n: 5 }), 'n=5');
    assert.equal(value('{{ $x := 5 }}'), '');
  });

  it('detects templates by their opening braces', () => {
    assert.equal(hasTemplate('echo {{ .x }}'), true);
    assert.equal(hasTemplate('echo ${x}'), false);
  });
});

describe('template syntax errors', () => {
  const cases: { source: string; message: string | RegExp; at: string }[] = [
    { source: 'echo {{ .x ', message: 'unclosed action: missing }}', at: '{{' },
    { source: "echo {{ 'abc", message: 'unclosed action: missing }}', at: '{{' },
    { source: "echo {{ 'abc }}", message: "unterminated string: missing closing '", at: "'abc }}" },
    { source: 'a {{ end }}', message: "unexpected 'end'", at: 'end' },
    { source: 'a {{ else }}', message: "unexpected 'else'", at: 'else' },
    { source: 'x {{ if .a }}yes', message: "missing 'end' for 'if' opened at offset 2", at: '{{ if .a }}' },
    {
      source: '{{ range .a }}{{ if .b }}{{ end }}',
      message: "missing 'end' for 'range' opened at offset 0",
      at: '{{ range .a }}',
    },
    {
      source: "{{ jion .services ',' }}",
      message: "unknown function 'jion' (did you mean 'join'?)",
      at: 'jion',
    },
    { source: '{{ .a | frobnicate }}', message: "unknown function 'frobnicate'", at: 'frobnicate' },
    { source: '{{ $x }}', message: "undefined variable '$x'", at: '$x' },
    { source: '{{ $x = 1 }}', message: "undefined variable '$x' (declare it first with ':=')", at: '$x' },
    { source: '{{ "abc }}', message: 'unterminated string: missing closing "', at: '"abc }}' },
    {
      source: '{{ join .a }}',
      message: "wrong number of arguments for 'join': expected 2, got 1",
      at: 'join .a',
    },
    { source: '{{ not }}', message: "wrong number of arguments for 'not': expected 1, got 0", at: 'not' },
    { source: '{{ .a && .b }}', message: "unexpected '&&': use 'and'", at: '&&' },
    { source: '{{ .a || .b }}', message: "unexpected '||': use 'or'", at: '||' },
    { source: '{{ !.a }}', message: "unexpected '!': use 'not'", at: '!' },
    { source: "{{ .a = 'x' }}", message: "'=' assigns a variable: use '==' to compare", at: '=' },
    { source: '{{ 1 < 2 < 3 }}', message: "comparisons cannot be chained: join them with 'and'", at: '<' },
    { source: '{{ .a .b }}', message: /unexpected '\.b': only a function takes arguments/, at: '.b' },
    {
      source: '{{ .a | default "x" == "x" }}',
      message: /'==' cannot follow a pipeline stage: put the pipeline in parentheses/,
      at: '==',
    },
    { source: '{{ .a | .b }}', message: "only a function can follow '|', found '.b'", at: '.b' },
    { source: '{{ }}', message: 'empty action: expected a value between {{ and }}', at: '{{ }}' },
    { source: '{{ if }}{{ end }}', message: "missing condition after 'if'", at: 'if' },
    { source: '{{ (.a }}', message: "missing ')' for the '(' at offset 3", at: '(' },
    { source: '{{ .a ) }}', message: "unexpected ')': there is no '(' to close", at: ')' },
    { source: "{{ ['a' 'b'] }}", message: /unexpected ''b'': only a function takes arguments/, at: "'b'" },
    { source: "{{ ['a', 'b' }}", message: "missing ']' for the list opened at offset 3", at: '[' },
    {
      source: '{{ if .a }}{{ else }}{{ else }}{{ end }}',
      message: "unexpected 'else': this 'if' already had its final 'else'",
      at: 'else',
    },
    { source: '{{ break }}', message: "'break' outside of a 'range'", at: 'break' },
    { source: '{{ define "x" }}{{ end }}', message: /'define' is not supported/, at: 'define' },
    { source: '{{ 1.2.3 }}', message: 'bad number syntax: "1.2.3"', at: '1.2.3' },
    { source: '{{ "\\q" }}', message: "invalid escape sequence '\\q' in string", at: '\\q' },
    { source: '{{/* unclosed', message: 'unclosed comment: missing */', at: '/*' },
    { source: '{{ .a | end }}', message: "'end' must start its own action: {{ end … }}", at: 'end' },
    { source: '{{ $i, $x := .l }}', message: "only 'range' can declare two variables", at: '$i' },
    { source: '{{ .a in }}', message: "expected a value after 'in'", at: 'in' },
    { source: '{{ .a and }}', message: "expected a value after 'and'", at: 'and' },
  ];
  for (const { source, message, at } of cases) {
    it(`reports ${JSON.stringify(source)} at ${JSON.stringify(at)}`, () => {
      const error = parseError(source);
      if (typeof message === 'string') assert.equal(error.message, message);
      else assert.match(error.message, message);
      assert.equal(pointedAt(source, error), at);
    });
  }

  it('points into a long template at the exact offset', () => {
    const source = `line one\nline two {{ .ok }}\n  {{ fromJSN .x }}`;
    const error = parseError(source);
    assert.equal(error.message, "unknown function 'fromJSN' (did you mean 'fromJSON'?)");
    assert.equal(error.offset, source.indexOf('fromJSN'));
  });
});
