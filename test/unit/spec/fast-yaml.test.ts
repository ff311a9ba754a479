// The fast YAML parser against the yaml library, its reference: whatever document the fast parser
// accepts, the library parses without error to the same value, with every node and key at the same
// offset and every scalar in the same style. What it declines, the library handles.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import fc from 'fast-check';
import { isMap, isScalar, isSeq, parseDocument, stringify } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { parseFastYaml } from '../../../src/spec/fast-yaml.ts';
import type { FastNode } from '../../../src/spec/fast-yaml.ts';
import { dagWorkflow, randomDag } from '../../bench/dag.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Differences between the library's node and the fast parser's, as readable lines. */
function differences(y: unknown, f: FastNode | undefined, path: string, out: string[]): string[] {
  const node = y as YamlNode & { range?: [number, number, number] };
  if (!f) return [...out, `${path}: missing in the fast tree`];
  if (node?.range?.[0] !== f.start) out.push(`${path}: starts at ${node?.range?.[0]}, fast ${f.start}`);
  if (isMap(y)) {
    if (f.kind !== 'map') return [...out, `${path}: a mapping, fast ${f.kind}`];
    if (y.items.length !== f.pairs.size) out.push(`${path}: ${y.items.length} keys, fast ${f.pairs.size}`);
    for (const pair of y.items) {
      const key = pair.key as YamlNode & { value: unknown; range: [number, number, number] };
      const fp = f.pairs.get(String(key.value));
      if (fp && fp.key.start !== key.range[0]) out.push(`${path}.${String(key.value)}: key offset differs`);
      differences(pair.value, fp?.value, `${path}.${String(key.value)}`, out);
    }
  } else if (isSeq(y)) {
    if (f.kind !== 'seq') return [...out, `${path}: a sequence, fast ${f.kind}`];
    if (y.items.length !== f.items.length)
      out.push(`${path}: ${y.items.length} items, fast ${f.items.length}`);
    y.items.forEach((item, i) => differences(item, f.items[i], `${path}[${i}]`, out));
  } else if (isScalar(y)) {
    if (f.kind !== 'scalar') return [...out, `${path}: a scalar, fast ${f.kind}`];
    if (y.type !== f.style) out.push(`${path}: style ${y.type}, fast ${f.style}`);
  }
  return out;
}

/** Asserts the fast parser agrees with the library; says whether it took the document. */
function agrees(text: string, name = 'document'): boolean {
  const fast = parseFastYaml(text);
  if (!fast) return false;
  const doc = parseDocument(text, { uniqueKeys: true, strict: true });
  assert.deepEqual(
    doc.errors.map((e) => e.message),
    [],
    `${name}: the fast parser accepted what the library rejects:\n${text}`,
  );
  assert.deepEqual(fast.value, doc.toJS(), `${name}: values differ:\n${text}`);
  assert.deepEqual(differences(doc.contents, fast.root, '', []), [], `${name}: positions differ:\n${text}`);
  return true;
}

function yamlFilesUnder(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yamlFilesUnder(path, out);
    else if (/\.ya?ml$/.test(name)) out.push(path);
  }
  return out;
}

test('on every YAML file of the repository the fast parser agrees with the yaml library or declines', () => {
  const dirs = ['examples', 'test/fixtures', 'src/cli/templates/builtin', 'crds', 'gitops', 'helm'];
  const files = dirs.flatMap((d) => yamlFilesUnder(join(ROOT, d)));
  assert.ok(files.length > 50, `found only ${files.length} files`);
  for (const file of files) agrees(readFileSync(file, 'utf8'), file);
});

test('the example workflows and a generated 1,000-step DAG take the fast path', () => {
  const examples = yamlFilesUnder(join(ROOT, 'examples'));
  for (const file of examples) assert.ok(agrees(readFileSync(file, 'utf8'), file), `${file} was declined`);
  assert.ok(agrees(dagWorkflow(randomDag(1000, 100), 'true')));
});

test('edge cases of the subset parse as the yaml library parses them', () => {
  const cases = [
    'a: 1',
    'a:',
    'a:\nb:\n',
    'a:\n- x\n-\n- y: 1\n  z:\n  - q\nb: 2\n',
    'steps:\n  - name: a\n    command: |\n      echo 1\n\n      echo 2\n\n\n  - name: b\n',
    'a: |-\n    x\n     y\n  # not a comment\nb: >\n  folded\n  text\nc: >-\n  one\n',
    "a: \"x \\\" \\\\ \\n \\u00e9\"   # c\nb: 'it''s'\nc: [a, 'b', \"c\" , d]\nd: []\ne: {}\n",
    'a: -1\nb: +2\nc: 1.\nd: .5\ne: ~\nf: NULL\ng: True\nh: 007\ni: -x\nj: a#b\nk: x:y\nl: [x:y]\n',
    '# head\n\na: 1 # one\n\n# mid\nb:\n  # inside\n  c: 2\n',
    'a:\n  - - x\n',
  ];
  for (const text of cases) agrees(text);
});

test('constructs outside the subset are left to the yaml library', () => {
  const declined = [
    'a: &x 1\nb: *x\n',
    'a: !!str 1\n',
    'a: b\na: c\n',
    'a: one\n  two\n',
    'a:\n\tb: 1\n',
    'a: 1\r\nb: 2\r\n',
    '---\na: 1\n',
    'a: "open\n',
    'a: {b: 1}\n',
    'a: |2\n   x\n',
    'a: 0x1F\n',
    '- a\n  - b\n',
    'plain\n',
  ];
  for (const text of declined) assert.equal(parseFastYaml(text), undefined, JSON.stringify(text));
});

const scalar = fc.oneof(
  { arbitrary: fc.string({ maxLength: 12 }), weight: 1 },
  { arbitrary: fc.stringMatching(/^[a-z][a-z0-9 ._:#-]{0,10}$/), weight: 8 },
  {
    arbitrary: fc.constantFrom(
      '',
      'true',
      'False',
      'null',
      '~',
      '0',
      '-1',
      '007',
      '1.5',
      '.5',
      '1e3',
      '0x10',
      '.inf',
      'a: b',
      'a #b',
      '#x',
      '- x',
      '[x]',
      '{{ .x }}',
      "it's",
      'say "hi"',
      'multi\nline',
      'trailing\n',
      ' lead',
      'tab\there',
      'ünï',
      '\\',
    ),
    weight: 4,
  },
  { arbitrary: fc.integer({ min: -100000, max: 100000 }), weight: 1 },
  { arbitrary: fc.constantFrom(1.5, -0.25, 3.14159, 1e21, 2 ** 60, 0.1), weight: 1 },
  { arbitrary: fc.boolean(), weight: 1 },
  { arbitrary: fc.constant(null), weight: 1 },
);
const key = fc.oneof(
  {
    arbitrary: fc.constantFrom('name', 'steps', 'command', 'depends_on', 'a.b', 'x/y', 'env_VAR', 'TRUE_'),
    weight: 30,
  },
  { arbitrary: fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_.-]{0,6}$/), weight: 10 },
  { arbitrary: fc.string({ maxLength: 6 }), weight: 1 },
);
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, scalar, tie('list'), tie('map')),
  // Lists of lists (`- - x`) are outside the fast subset: rarer, so that most documents are in it.
  list: fc.array(fc.oneof({ arbitrary: tie('node'), weight: 1 }, { arbitrary: tie('map'), weight: 3 }), {
    maxLength: 4,
  }),
  map: fc.dictionary(key, tie('node'), { minKeys: 1, maxKeys: 3 }),
})).map;

test('generated documents written by the yaml library in several styles parse alike', () => {
  fc.assert(
    fc.property(
      value,
      fc.record({
        indent: fc.constantFrom(2, 4),
        indentSeq: fc.boolean(),
        defaultStringType: fc.constantFrom(
          'PLAIN',
          'QUOTE_DOUBLE',
          'QUOTE_SINGLE',
          'BLOCK_LITERAL',
        ) as fc.Arbitrary<'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE' | 'BLOCK_LITERAL'>,
      }),
      // Edits at random lines: a blank line, comment lines at several indents, a trailing comment.
      fc.array(fc.tuple(fc.nat(), fc.constantFrom('', '#c', '  # c', '      #c', '   ', ' # tail')), {
        maxLength: 3,
      }),
      (doc, style, edits) => {
        const text = stringify(doc, {
          indent: style.indent,
          indentSeq: style.indentSeq,
          defaultStringType: style.defaultStringType,
          defaultKeyType: 'PLAIN',
          collectionStyle: 'block',
          flowCollectionPadding: false,
        });
        agrees(text);
        const lines = text.split('\n');
        for (const [at, edit] of edits) {
          const i = at % lines.length;
          if (edit === ' # tail') lines[i] += edit;
          else lines.splice(i, 0, edit);
        }
        agrees(lines.join('\n'));
      },
    ),
    { numRuns: 400 },
  );
});

test('generated line soup: whatever the fast parser accepts, the library parses to the same', () => {
  const line = fc.tuple(
    fc.constantFrom('', ' ', '  ', '    ', '      '),
    fc.constantFrom(
      'name: x',
      'steps:',
      '- name: a',
      '-',
      '- ',
      '- x',
      'command: echo a # c',
      'command: |',
      'command: |-',
      'command: >',
      'run: >-',
      'echo line',
      'depends_on: [a, "b", c]',
      'depends_on: []',
      'env: {}',
      'k: "q \\" \\u00e9"',
      "k: 'it''s'",
      '# comment',
      'k:',
      'k: v:',
      'k: a: b',
      'x',
      '',
      'k: [a, [b]]',
      'k: - a',
      'a: 1',
      'b: 2.5',
      'c: true',
      'd: ~',
    ),
  );
  fc.assert(
    fc.property(fc.array(line, { maxLength: 14 }), (lines) => {
      agrees(lines.map(([indent, text]) => indent + text).join('\n') + '\n');
    }),
    { numRuns: 3000 },
  );
});
