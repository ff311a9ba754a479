// Property-based tests: no input makes the template engine throw (errors come back located inside
// the source), and shell escaping round-trips any string through a real shell.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { evaluateValue, parseTemplate, renderTemplate, shellEscape } from '../../../src/template/index.ts';
import type { TemplateError } from '../../../src/template/index.ts';

const data = {
  environment: 'staging',
  services: ['api', 'worker'],
  n: 3,
  flag: true,
  obj: { a: 1, list: [1, 2] },
  json: '[{"name":"api","health_score":70}]',
  outputs: {},
};

const tokens = [
  '{{',
  '}}',
  '{{-',
  ' -}}',
  '{{/*',
  '*/}}',
  ' ',
  '\n',
  'text',
  "'",
  '"',
  '`',
  '\\',
  '.',
  '.environment',
  '.services',
  '.obj',
  '.obj.list',
  '.missing',
  '.outputs.x',
  '$',
  '$v',
  '$i',
  '$x',
  ':=',
  '=',
  ',',
  '|',
  '(',
  ')',
  '[',
  ']',
  '==',
  '!=',
  '<',
  '>=',
  'in',
  'not',
  'and',
  'or',
  'if',
  'else',
  'end',
  'range',
  'with',
  'break',
  'continue',
  'define',
  "'a'",
  '"b"',
  '`c`',
  '1',
  '-2',
  '3.5',
  '0x1f',
  'true',
  'false',
  'nil',
  'eq',
  'lt',
  'len',
  'index',
  'default',
  'join',
  'split',
  'printf',
  '"%v%d%s%q%x%9.2f"',
  'fromJSON',
  'toJSON',
  'quote',
  'upper',
  'contains',
  'raw',
  'int',
  'print',
  'range 3',
  '$.json',
  'not in',
  '{{ range $i, $x := .services }}',
  '{{ end }}',
  '{{ if .flag }}',
  '{{ else }}',
  '{{ $v := .obj }}',
];

function assertLocated(error: TemplateError, source: string): void {
  assert.equal(typeof error.message, 'string');
  assert.ok(error.message.length > 0);
  assert.ok(
    Number.isInteger(error.offset) && error.offset >= 0 && error.offset <= source.length,
    `offset ${error.offset}`,
  );
  assert.ok(
    Number.isInteger(error.length) && error.length >= 0 && error.offset + error.length <= source.length,
    `length ${error.length}`,
  );
}

/** Parses, and when that works renders in both modes and evaluates; every error must be located. */
function exercise(source: string): void {
  const parsed = parseTemplate(source);
  if ('error' in parsed) {
    assertLocated(parsed.error, source);
    return;
  }
  for (const mode of ['text', 'shell'] as const) {
    const rendered = renderTemplate(parsed.template, data, { mode, lenient: ['outputs'] });
    if (!rendered.ok) assertLocated(rendered.error, source);
  }
  const evaluated = evaluateValue(parsed.template, data);
  if (!evaluated.ok) assertLocated(evaluated.error, source);
}

const tokenSoup = fc.array(fc.constantFrom(...tokens), { maxLength: 40 }).map((parts) => parts.join(''));
const spacedSoup = fc
  .array(fc.constantFrom(...tokens), { maxLength: 30 })
  .map((parts) => `{{ ${parts.join(' ')} }}`);

function runShell(script: string): string {
  const result = spawnSync('sh', ['-c', script], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

const shellSafeString = fc
  .string({
    unit: fc.oneof(
      fc.constantFrom("'", '"', '$', '`', '\\', '\n', ' ', '(', ')', ';', '#', '*', '<', '-', 'EOF'),
      fc.string({ unit: 'binary', maxLength: 1 }),
    ),
    maxLength: 30,
  })
  .filter((s) => !s.includes('\0'));

describe('template engine properties', () => {
  it('never throws on random strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), exercise), { numRuns: 500 });
  });

  it('never throws on random token soups', () => {
    fc.assert(fc.property(tokenSoup, exercise), { numRuns: 2000 });
  });

  it('never throws on random actions made of valid tokens', () => {
    fc.assert(fc.property(spacedSoup, exercise), { numRuns: 2000 });
  });

  it('renders any data value without throwing, in both modes', () => {
    const template = parseTemplate(
      'a {{ .v }} "{{ .v }}" \'{{ .v }}\' {{ .v | toJSON }} {{ printf "%v %q" .v .v }} {{ if .v }}t{{ end }}',
    );
    assert.ok('template' in template);
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        for (const mode of ['text', 'shell'] as const) {
          const result = renderTemplate(template.template, { v }, { mode });
          if (!result.ok) assertLocated(result.error, template.template.source);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('shell escaping properties', () => {
  it('round-trips any string through sh -c printf %s', () => {
    fc.assert(
      fc.property(shellSafeString, (s) => {
        assert.equal(runShell(`printf %s ${shellEscape(s)}`), s);
      }),
      { numRuns: 100 },
    );
  });

  it('round-trips any value substituted unquoted, in double quotes and in single quotes', () => {
    const parsed = parseTemplate(`printf '%s|' {{ .x }} "{{ .x }}" '{{ .x }}' a{{ .x }}b`);
    assert.ok('template' in parsed);
    fc.assert(
      fc.property(shellSafeString, (x) => {
        const rendered = renderTemplate(parsed.template, { x }, { mode: 'shell' });
        assert.ok(rendered.ok);
        if (rendered.ok) assert.equal(runShell(rendered.value), `${x}|${x}|${x}|a${x}b|`);
      }),
      { numRuns: 100 },
    );
  });

  it('never executes a hostile value, wherever random shell text puts it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conveyor-fuzz-'));
    const owned = join(dir, 'owned');
    const shellText = [
      'echo ',
      "printf '%s' ",
      '"',
      "'",
      '$(',
      ')',
      '(',
      '`',
      '#',
      '\n',
      ' ',
      ';',
      '$',
      '{',
      '}',
      '[',
      ']',
      '((',
      '))',
      '[[ ',
      ' ]]',
      '$[',
      '<<EOF\n',
      '\nEOF\n',
      "<<'EOF'\n",
      '<<-X\n',
      '\n\tX\n',
      '\\',
      'a',
      '=',
      'let ',
      'declare -i n=',
      '${',
      '$((',
      'case ',
      ' in ',
      'esac',
      "$'",
      '&&',
      '|',
      ' -eq ',
      '1',
      '{{ .x }}',
      '{{ .x }}',
      '{{ .x }}',
      '{{ .l }}',
    ];
    const hostile = [
      `$(touch ${owned})`,
      `\`touch ${owned}\``,
      `'; touch ${owned}; '`,
      `"; touch ${owned}; "`,
      `\n touch ${owned}\n`,
      `a[$(touch ${owned})]`,
      `) ; touch ${owned} ; (`,
      `\\'; touch ${owned} #`,
      `EOF\ntouch ${owned}\n`,
      `}; touch ${owned}; {`,
    ];
    try {
      fc.assert(
        fc.property(
          fc.array(fc.constantFrom(...shellText), { maxLength: 25 }),
          fc.constantFrom(...hostile),
          (parts, x) => {
            const source = parts.join('');
            // Commands that evaluate their arguments (eval, let, declare -i) run them by design: the
            // arithmetic ones are refused when written plainly, not when their name is quoted or escaped.
            if (/[\\'"`$)}\]](let|declare)/.test(source)) return;
            const parsed = parseTemplate(source);
            if ('error' in parsed) return;
            const rendered = renderTemplate(parsed.template, { x, l: [x, 'b'] }, { mode: 'shell' });
            if (!rendered.ok) return;
            for (const shell of ['sh', 'bash']) {
              spawnSync(shell, ['-c', rendered.value], { cwd: dir, timeout: 2000, stdio: 'ignore' });
            }
            assert.equal(existsSync(owned), false, `executed:\n${rendered.value}`);
          },
        ),
        { numRuns: 60 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
