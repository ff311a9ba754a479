// The template functions: Go's built-ins and the Sprig-style helpers, with both argument orders
// the seed and pipelines use, and their error messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pointedAt, render, renderError, value } from './support.ts';

describe('template functions', () => {
  it('eq with several arguments is true when the first equals any other', () => {
    assert.equal(value("{{ eq .env 'dev' 'staging' }}", { env: 'staging' }), true);
    assert.equal(value("{{ eq .env 'dev' 'qa' }}", { env: 'staging' }), false);
    assert.equal(value('{{ ne 1 2 }}', {}), true);
  });

  it('orders with lt, le, gt and ge', () => {
    assert.deepEqual(value('{{ [lt 1 2, le 2 2, gt 3 2, ge 2 3] }}'), [true, true, true, false]);
  });

  it('and/or return the deciding argument, as in Go', () => {
    assert.equal(value("{{ and 'a' 0 'c' }}"), 0);
    assert.equal(value("{{ and 'a' 'b' }}"), 'b');
    assert.equal(value("{{ or '' 'b' }}"), 'b');
    assert.equal(value("{{ '' | or 0 }}"), '');
  });

  it('len counts characters, items and keys', () => {
    assert.deepEqual(
      value("{{ [len 'héllo', len .l, len .o, len .none] }}", { l: [1, 2], o: { a: 1 }, none: null }),
      [5, 2, 1, 0],
    );
    assert.equal(renderError('{{ len 5 }}').message, 'len: number 5 has no length');
  });

  it('index reads list items and object keys, nil when absent', () => {
    const data = { l: ['a', 'b'], o: { 'my-key': { x: 1 } } };
    assert.equal(
      render('{{ index .l 1 }}|{{ index .l 5 }}|{{ index .o "my-key" "x" }}|{{ index .o "nope" "x" }}', data),
      'b||1|',
    );
    assert.equal(
      renderError('{{ index .l "x" }}', data).message,
      'index: a list index must be an integer, got string "x"',
    );
  });

  it('default takes the fallback for empty values, written either way', () => {
    assert.equal(render('{{ default "d" .v }}|{{ .v | default "d" }}', { v: '' }), 'd|d');
    assert.equal(render('{{ default "d" .v }}', { v: 'set' }), 'set');
    assert.equal(render('{{ .v | default 3 }}', { v: 0 }), '3');
    assert.equal(render("{{ .v | default 'd' }}", { v: 'false' }), 'false');
  });

  it('join accepts the list first (as the seed writes) or the separator first (as pipelines give)', () => {
    const data = { services: ['api', 'worker'] };
    assert.equal(render("{{ join .services ',' }}", data), 'api,worker');
    assert.equal(render("{{ join ',' .services }}", data), 'api,worker');
    assert.equal(render('{{ .services | join "+" }}', data), 'api+worker');
    assert.equal(
      renderError("{{ join 'a' 'b' }}").message,
      'join: expected a list and a separator, got string "a" and string "b"',
    );
  });

  it('split takes the shorter argument as the separator', () => {
    assert.deepEqual(value("{{ split ',' 'a,b,c' }}"), ['a', 'b', 'c']);
    assert.deepEqual(value("{{ split 'a,b,c' ',' }}"), ['a', 'b', 'c']);
    assert.deepEqual(value("{{ .csv | split ',' }}", { csv: 'x,y' }), ['x', 'y']);
    assert.deepEqual(value("{{ split ',' '' }}"), []);
  });

  it('fromJSON parses text and reports invalid JSON', () => {
    assert.deepEqual(value('{{ fromJSON .j }}', { j: '{"a":[1,2]}' }), { a: [1, 2] });
    assert.equal(value('{{ fromJSON .j }}', { j: '' }), undefined);
    const source = 'x {{ fromJSON .j }}';
    const error = renderError(source, { j: '{bad' });
    assert.match(error.message, /^fromJSON: invalid JSON: /);
    assert.equal(pointedAt(source, error), 'fromJSON .j');
  });

  it('toJSON writes compact JSON', () => {
    assert.equal(render('{{ toJSON .o }}', { o: { a: [1, 'x'], b: null } }), '{"a":[1,"x"],"b":null}');
    assert.equal(render('{{ toJSON .missing }}', { missing: undefined }), 'null');
  });

  it('quote uses Go quoting', () => {
    assert.equal(render('{{ quote .s }}', { s: 'say "hi"\n\ttab\x01' }), '"say \\"hi\\"\\n\\ttab\\x01"');
    assert.equal(render('{{ quote "a" "b" }}'), '"a" "b"');
  });

  it('changes case and trims', () => {
    assert.equal(render('{{ upper "api" }}{{ lower "WEB" }}[{{ trim "  x \\n" }}]'), 'APIweb[x]');
  });

  it('contains, hasPrefix and hasSuffix take the needle first, so they work after a pipe', () => {
    const data = { name: 'api-gateway', services: ['api', 'worker'] };
    assert.deepEqual(
      value(
        "{{ [contains 'gate' .name, .name | hasPrefix 'api', .name | hasSuffix 'way', hasPrefix 'way' .name] }}",
        data,
      ),
      [true, true, true, false],
    );
    assert.equal(value("{{ contains 'api' .services }}", data), true);
    assert.equal(value("{{ contains .services 'worker' }}", data), true);
  });

  it('converts with toString, int and float', () => {
    assert.deepEqual(value("{{ [toString 5, int '42', int 3.9, float '2.5', int true] }}"), [
      '5',
      42,
      3,
      2.5,
      1,
    ]);
    assert.equal(renderError("{{ int 'abc' }}").message, 'int: cannot convert string "abc" to an integer');
  });

  it('builds lists with list and prints with print', () => {
    assert.deepEqual(value("{{ list 'a' 1 }}"), ['a', 1]);
    assert.equal(render("{{ print 'a' 1 2 'b' }}"), 'a1 2b');
  });

  it('raw marks a value and leaves it unchanged in text mode', () => {
    assert.equal(render('{{ .x | raw }}', { x: '$(x)' }), '$(x)');
    assert.equal(value('{{ .x | raw }}', { x: 'v' }), 'v');
  });

  it('accepts the Helm spellings fromJson and toJson', () => {
    assert.equal(render('{{ (fromJson .j).a | toJson }}', { j: '{"a":[1]}' }), '[1]');
  });
});

describe('printf', () => {
  const cases: [string, string][] = [
    ['{{ printf "%s-%d" "a" 5 }}', 'a-5'],
    ['{{ printf "%v %v %v" .l .o nil }}', '[a b] map[k:1] <nil>'],
    ['{{ printf "%q" "x\\"y" }}', '"x\\"y"'],
    [
      '{{ printf "%5s|%-5s|%05d|%+d|%x|%X|%o|%b|%#x" "ab" "cd" 42 7 255 255 8 5 255 }}',
      '   ab|cd   |00042|+7|ff|FF|10|101|0xff',
    ],
    [
      '{{ printf "%.2f|%8.3f|%e|%E" 3.14159 2.5 1234.5678 0.000123 }}',
      '3.14|   2.500|1.234568e+03|1.230000E-04',
    ],
    ['{{ printf "%g|%g|%g|%.3g|%g" 100000.0 1000000.0 0.00001 3.14159 1.5 }}', '100000|1e+06|1e-05|3.14|1.5'],
    ['{{ printf "%t|%c|%U|%%" true 65 233 }}', 'true|A|U+00E9|%'],
    ['{{ printf "%.3s|%T|%T" "abcdef" "s" .l }}', 'abc|string|list'],
    ['{{ printf "%d" "12" }}', '12'],
    ['{{ printf "%d" "x" }}', '%!d(string=x)'],
    ['{{ printf "%d %d" 1 }}', '1 %!d(MISSING)'],
    ['{{ printf "%d" 1 2 }}', '1%!(EXTRA number=2)'],
    ['{{ printf "%[2]s %[1]s" "a" "b" }}', 'b a'],
    ['{{ printf "%*d" 4 7 }}', '   7'],
    ['{{ printf "%z" 1 }}', '%!z(number=1)'],
    ['{{ printf "%" }}', '%!(NOVERB)'],
  ];
  for (const [source, expected] of cases) {
    it(`formats ${source} as ${JSON.stringify(expected)}`, () => {
      assert.equal(render(source, { l: ['a', 'b'], o: { k: 1 } }), expected);
    });
  }

  it('refuses widths and precisions beyond the limit', () => {
    assert.equal(
      renderError('{{ printf "%999999999d" 1 }}').message,
      'printf: width 999999999 is larger than the limit of 10000',
    );
    assert.equal(
      renderError('{{ printf "%.99999f" 1.0 }}').message,
      'printf: precision 99999 is larger than the limit of 10000',
    );
  });
});
