// The sandbox limits: template bombs end quickly with a clear error, never a hang, an exception
// or a stack overflow; the limits are configurable.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateValue, parseTemplate, renderTemplate } from '../../../src/template/index.ts';
import type { TemplateData, TemplateError, TemplateLimits } from '../../../src/template/index.ts';

let lastSource = '';

function pointedAt(error: TemplateError, source = lastSource): string {
  return source.slice(error.offset, error.offset + error.length);
}

/**
 * Parses and renders, returning the first error. "Quickly" is the work limits' promise, not a
 * wall-clock threshold (the suite's timeout catches a hang without failing on a loaded machine).
 */
function bombError(source: string, data: TemplateData = {}, limits?: Partial<TemplateLimits>): TemplateError {
  lastSource = source;
  const parsed = parseTemplate(source, limits);
  let error: TemplateError | undefined;
  if ('error' in parsed) error = parsed.error;
  else {
    const result = renderTemplate(parsed.template, data, { limits });
    if (!result.ok) error = result.error;
  }
  if (error === undefined) return assert.fail('expected the template to be refused');
  assert.ok(
    error.offset >= 0 && error.offset + error.length <= source.length,
    'error points inside the source',
  );
  return error;
}

describe('sandbox limits', { timeout: 120_000 }, () => {
  it('stops nested ranges over a big list at the iteration limit', () => {
    const big = Array.from({ length: 1000 }, (_, i) => i);
    const source = '{{ range .big }}{{ range $.big }}{{ range $.big }}x{{ end }}{{ end }}{{ end }}';
    const error = bombError(source, { big });
    assert.equal(error.message, 'too many loop iterations: more than 100000 in one evaluation');
    assert.equal(pointedAt(error, source), '{{ range $.big }}');
  });

  it('stops a range over a huge count', () => {
    assert.match(bombError('{{ range 1000000000000 }}{{ end }}').message, /too many loop iterations/);
  });

  it('refuses huge printf widths and precisions', () => {
    assert.match(
      bombError('{{ printf "%999999999999d" 1 }}').message,
      /^printf: width \d+ is larger than the limit of 10000$/,
    );
    assert.match(
      bombError('{{ printf "%.*f" 99999999 1.0 }}').message,
      /^printf: precision 99999999 is larger than the limit/,
    );
  });

  it('stops a string that doubles in a loop', () => {
    const source =
      '{{ $s := "0123456789" }}{{ range 40 }}{{ $s = printf "%s%s" $s $s }}{{ end }}{{ len $s }}';
    assert.match(bombError(source).message, /^printf: the result is larger than the limit of 1048576 bytes$/);
  });

  it('stops output past the output limit', () => {
    const error = bombError('{{ range 100000 }}{{ $.chunk }}{{ end }}', { chunk: 'x'.repeat(100) });
    assert.equal(error.message, 'output is larger than the limit of 1048576 bytes');
  });

  it('stops a loop body that does too much work', () => {
    const body = '{{ if and (eq 1 1) (eq 2 2) (eq 3 3) (eq 4 4) (eq 5 5) }}{{ end }}'.repeat(4);
    assert.match(
      bombError(`{{ range 99999 }}${body}{{ end }}`).message,
      /^template does too much work: more than \d+ evaluation steps$/,
    );
  });

  it('stops functions that build or read too much text in total', () => {
    const tooMuch = /^template does too much work: more than \d+ characters or items processed$/;
    const big = 'y'.repeat(1_000_000);
    assert.match(
      bombError('{{ range 100000 }}{{ $x := printf "%s" $.big }}{{ end }}', { big }).message,
      tooMuch,
    );
    assert.match(
      bombError('{{ range 100000 }}{{ $x := fromJSON $.json }}{{ end }}', { json: JSON.stringify(big) })
        .message,
      tooMuch,
    );
    assert.match(bombError("{{ range 100000 }}{{ $x := 'z' in $.big }}{{ end }}", { big }).message, tooMuch);
    assert.match(
      bombError('{{ range 100000 }}{{ $x := eq $.big $.other }}{{ end }}', { big, other: `${big}!` }).message,
      tooMuch,
    );
  });

  it('stops repeated deep comparisons of big lists', () => {
    const big = Array.from({ length: 100_000 }, (_, i) => i);
    // A smaller output limit gives a smaller work budget, which keeps this test quick.
    const error = bombError(
      '{{ range 1000 }}{{ $x := eq $.big $.big }}{{ end }}',
      { big },
      { maxOutputBytes: 256 * 1024 },
    );
    assert.match(error.message, /^template does too much work/);
    assert.equal(pointedAt(error), 'eq $.big $.big');
  });

  it('tests and ranges over a big object repeatedly without redoing the work', () => {
    const obj = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]));
    const parsed = parseTemplate(
      '{{ range 1000 }}{{ if $.obj }}{{ range $.obj }}{{ break }}{{ end }}{{ end }}{{ end }}ok',
    );
    assert.ok('template' in parsed);
    assert.deepEqual(renderTemplate(parsed.template, { obj }), { ok: true, value: 'ok' });
  });

  it('refuses 10,000 nested parentheses without overflowing the stack', () => {
    const source = `{{ ${'('.repeat(10_000)}1${')'.repeat(10_000)} }}`;
    const error = bombError(source);
    assert.equal(error.message, 'template nests too deeply: more than 100 levels');
  });

  it('refuses deeply nested lists, nots and control structures', () => {
    assert.match(bombError(`{{ ${'['.repeat(5000)}${']'.repeat(5000)} }}`).message, /nests too deeply/);
    assert.match(bombError(`{{ ${'not '.repeat(5000)}true }}`).message, /nests too deeply/);
    assert.match(
      bombError(`${'{{ if true }}'.repeat(5000)}${'{{ end }}'.repeat(5000)}`).message,
      /nests too deeply/,
    );
  });

  it('evaluates a long flat chain of operators without deep recursion', () => {
    const source = `{{ ${Array.from({ length: 20_000 }, () => '.a').join(' or ')} }}`;
    const parsed = parseTemplate(source);
    assert.ok('template' in parsed);
    assert.deepEqual(evaluateValue(parsed.template, { a: 'x' }), { ok: true, value: 'x' });
  });

  it('refuses a template longer than the source limit', () => {
    const source = 'x'.repeat(300 * 1024);
    const error = bombError(source);
    assert.equal(error.message, `template is too long: ${source.length} characters, the limit is 262144`);
  });

  it('survives data nested far deeper than any stack', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const data = { deep, json: `${'['.repeat(200_000)}${']'.repeat(200_000)}` };
    for (const source of [
      '{{ .deep }}',
      '{{ eq .deep .deep }}',
      '{{ printf "%v" .deep }}',
      '{{ toJSON (fromJSON .json) }}',
    ]) {
      const parsed = parseTemplate(source);
      assert.ok('template' in parsed);
      const result = renderTemplate(parsed.template, data);
      assert.equal(result.ok, false, source);
      if (!result.ok) assert.match(result.error.message, /nest/);
    }
  });

  it('takes smaller limits from the caller', () => {
    const limits = { maxIterations: 10, maxOutputBytes: 50, maxDepth: 3, maxSourceLength: 100 };
    assert.match(bombError('{{ range 11 }}{{ end }}', {}, limits).message, /more than 10 in one evaluation/);
    assert.match(
      bombError('{{ range 5 }}0123456789-{{ end }}', {}, limits).message,
      /larger than the limit of 50 bytes/,
    );
    assert.match(bombError('{{ ((((1)))) }}', {}, limits).message, /more than 3 levels/);
    assert.match(bombError('x'.repeat(101), {}, limits).message, /the limit is 100/);
  });

  it('lets rendering override the limits a template was parsed with', () => {
    const parsed = parseTemplate('{{ range 20 }}{{ end }}', { maxIterations: 10 });
    assert.ok('template' in parsed);
    assert.equal(renderTemplate(parsed.template, {}).ok, false);
    assert.equal(renderTemplate(parsed.template, {}, { limits: { maxIterations: 20 } }).ok, true);
  });
});
