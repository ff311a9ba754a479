// Evaluation: how names are looked up (typos are errors, outputs may be missing), how values
// render and compare, and that templates cannot reach prototypes or anything outside their data.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { referencedNames } from '../../../src/template/index.ts';
import { parsed, pointedAt, render, renderError, value } from './support.ts';

describe('looking up names', () => {
  it('reports a misspelt top-level name with a suggestion, located at the name', () => {
    const source = 'deploy --env {{ .enviroment }}';
    const error = renderError(source, { environment: 'staging' });
    assert.equal(error.message, "unknown name '.enviroment' (did you mean '.environment'?)");
    assert.equal(pointedAt(source, error), '.enviroment');
  });

  it('reports a misspelt name read through $', () => {
    assert.equal(
      renderError('{{ range .l }}{{ $.fod }}{{ end }}', { l: [1], food: 'x' }).message,
      "unknown name '.fod' (did you mean '.food'?)",
    );
  });

  it('lets lenient names and their fields be missing', () => {
    assert.equal(render('[{{ .outputs.status }}]', {}, { lenient: ['outputs'] }), '[]');
    assert.equal(render('[{{ .outputs.status.deeper }}]', { outputs: {} }, { lenient: ['outputs'] }), '[]');
    assert.equal(renderError('{{ .outputs.status }}', {}).message, "unknown name '.outputs'");
  });

  it('reads missing fields below the top level as nil', () => {
    assert.equal(render('[{{ .workflow.label }}]', { workflow: { name: 'w' } }), '[]');
    assert.equal(render('{{ range .l }}[{{ .score }}]{{ end }}', { l: [{ name: 'api' }] }), '[]');
  });

  it('refuses to read a field of a list or a string, with a hint', () => {
    assert.match(
      renderError('{{ .l.length }}', { l: [1] }).message,
      /cannot read field 'length' of a list \(use index/,
    );
    assert.match(
      renderError('{{ .outputs.s.name }}', { outputs: { s: '{"name":1}' } }).message,
      /it looks like JSON, parse it first with fromJSON/,
    );
  });

  it('lists the top-level names a template reads, not the fields of range elements', () => {
    const template = parsed(
      '{{ if .a }}{{ range .b }}{{ .c }}{{ $.d.e }}{{ end }}{{ with .f }}{{ .g }}{{ end }}{{ end }}{{ index . "h" }}',
    );
    assert.deepEqual([...referencedNames(template)].sort(), ['a', 'b', 'd', 'f', 'h']);
  });
});

describe('the sandbox', () => {
  it('never sees prototype properties of the data', () => {
    assert.equal(renderError('{{ .constructor }}', {}).message, "unknown name '.constructor'");
    assert.equal(renderError('{{ .__proto__ }}', {}).message, "unknown name '.__proto__'");
    assert.equal(renderError('{{ .toString }}', {}).message, "unknown name '.toString'");
    assert.equal(
      render('[{{ .o.constructor }}][{{ .o.__proto__ }}][{{ .o.hasOwnProperty }}]', { o: {} }),
      '[][][]',
    );
    assert.equal(render('[{{ index .o "constructor" }}][{{ index .o "__proto__" }}]', { o: {} }), '[][]');
  });

  it('never calls getters or functions found in the data', () => {
    let called = false;
    const data: Record<string, unknown> = { f: () => 'ran' };
    Object.defineProperty(data, 'g', {
      enumerable: true,
      get: () => {
        called = true;
        return 'x';
      },
    });
    assert.equal(renderError('{{ .g }}', data).message, "unknown name '.g'");
    assert.equal(render('[{{ .f }}]', data), '[]');
    assert.equal(called, false);
  });

  it('treats class instances as opaque', () => {
    class Secret {
      token = 'hidden';
    }
    assert.equal(
      renderError('{{ .s.token }}', { s: new Secret() }).message,
      "cannot read field 'token' of a value of type object",
    );
  });

  it('does not reach globals through names', () => {
    for (const name of ['process', 'globalThis', 'require', 'eval']) {
      assert.equal(renderError(`{{ .${name} }}`, {}).message, `unknown name '.${name}'`);
    }
  });
});

describe('rendering values', () => {
  it('renders scalars, nil, lists and objects', () => {
    const data = { s: 'x', n: 1.5, t: true, z: null, l: ['a', 2, ['n']], o: { k: 'v' } };
    assert.equal(
      render('{{ .s }}|{{ .n }}|{{ .t }}|{{ .z }}|{{ .l }}|{{ .o }}', data),
      'x|1.5|true||a 2 ["n"]|{"k":"v"}',
    );
  });

  it('renders integers from JSON without a decimal point', () => {
    assert.equal(render('{{ (fromJSON .j).n }}', { j: '{"n": 80}' }), '80');
  });
});

describe('comparisons', () => {
  it('compares numeric strings from --set numerically', () => {
    assert.equal(value('{{ .replicas > 5 }}', { replicas: '10' }), true);
    assert.equal(value('{{ .replicas == 10 }}', { replicas: '10' }), true);
    assert.equal(value('{{ lt .a .b }}', { a: '9', b: '10' }), true);
  });

  it('compares two non-numeric strings as strings', () => {
    assert.equal(value("{{ .v == '1.10' }}", { v: '1.10' }), true);
    assert.equal(value("{{ 'apple' < 'banana' }}"), true);
  });

  it("compares 'true' and 'false' strings with booleans", () => {
    assert.equal(value('{{ .flag == true }}', { flag: 'true' }), true);
    assert.equal(value('{{ .flag == false }}', { flag: 'false' }), true);
  });

  it('compares lists and objects deeply', () => {
    assert.equal(value('{{ .a == .b }}', { a: [1, { x: 'y' }], b: [1, { x: 'y' }] }), true);
    assert.equal(value('{{ .a != .b }}', { a: { x: 1 }, b: { x: 2 } }), true);
  });

  it('tests in on lists, strings and object keys', () => {
    assert.equal(value("{{ 'ap' in 'api' }}"), true);
    assert.equal(value("{{ 'k' in .o }}", { o: { k: 1 } }), true);
    assert.equal(value('{{ 2 in .l }}', { l: ['1', '2'] }), true);
    assert.equal(value("{{ 'x' in .missing }}", { missing: null }), false);
  });

  it('reports values that cannot be ordered, located at the comparison', () => {
    const source = "{{ .a < 'x' }}";
    const error = renderError(source, { a: 5 });
    assert.equal(error.message, `cannot compare number 5 with string "x" using '<'`);
    assert.equal(pointedAt(source, error), ".a < 'x'");
    assert.match(
      renderError('{{ lt .a 80 }}', { a: null }).message,
      /^lt: cannot compare nil with number 80/,
    );
  });

  it('reports in on a number', () => {
    assert.equal(
      renderError("{{ 'a' in 5 }}").message,
      "'in' needs a list, a string or an object on its right, got number 5",
    );
  });
});

describe('truth inside templates', () => {
  it("treats 'false', '0', 'no' and blank strings as false in if, and, or, not", () => {
    for (const falsy of ['false', 'FALSE', '0', 'no', '  ', '', 0, null, [], {}]) {
      assert.equal(render('{{ if .v }}T{{ else }}F{{ end }}', { v: falsy }), 'F', JSON.stringify(falsy));
    }
    for (const truthy of ['yes', 'x', 1, -1, ['a'], { a: 1 }, true]) {
      assert.equal(render('{{ if .v }}T{{ else }}F{{ end }}', { v: truthy }), 'T', JSON.stringify(truthy));
    }
    assert.equal(value('{{ not .v }}', { v: 'false' }), true);
  });

  it('short-circuits and/or, so later operands are not evaluated', () => {
    assert.equal(value('{{ .ok or .missing }}', { ok: 'yes' }), 'yes');
    assert.equal(value('{{ and .off .missing }}', { off: false }), false);
    assert.equal(value('{{ or .ok (fromJSON "{bad") }}', { ok: 1 }), 1);
  });
});
