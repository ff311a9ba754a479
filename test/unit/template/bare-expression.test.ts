// Alert conditions written without {{ }} and without dots read bare names as values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBareExpression } from '../../../src/template/bare-expression.ts';
import { evaluateValue, referencedNames } from '../../../src/template/index.ts';

function evaluate(source: string, data: Record<string, unknown>): unknown {
  const parsed = parseBareExpression(source);
  assert.ok('template' in parsed, JSON.stringify(parsed));
  const result = evaluateValue(parsed.template, data);
  assert.ok(result.ok, JSON.stringify(result));
  return result.value;
}

describe('bare expressions', () => {
  it('reads bare names as values of the data', () => {
    assert.equal(evaluate('deployment_duration > 1800', { deployment_duration: 1801 }), true);
    assert.equal(evaluate('deployment_duration > 1800', { deployment_duration: 12 }), false);
  });

  it('keeps operators, literals and functions as they are', () => {
    const data = { failed_steps: 0, phase: 'Failed', steps: { a: { duration: 3 } } };
    assert.equal(evaluate("failed_steps > 0 or phase == 'Failed'", data), true);
    assert.equal(evaluate('not (failed_steps > 0) and true', data), true);
    assert.equal(evaluate("phase in ['Failed', 'Cancelled']", data), true);
    assert.equal(evaluate('len phase == 6', data), true);
    assert.equal(evaluate('steps.a.duration >= 3', data), true);
  });

  it('names what it reads', () => {
    const parsed = parseBareExpression('success_rate < 0.9 and rollback_count >= 1');
    assert.ok('template' in parsed);
    assert.deepEqual([...referencedNames(parsed.template)].sort(), ['rollback_count', 'success_rate']);
  });

  it('parses a condition written as a template as it is', () => {
    assert.equal(evaluate('{{ .run_duration > 1 }}', { run_duration: 2 }), true);
  });

  it('points errors into the text as written', () => {
    const parsed = parseBareExpression('deployment_duration >> 5');
    assert.ok('error' in parsed);
    // At the operator, not shifted by the dots and braces added while parsing.
    assert.equal('deployment_duration >> 5'.slice(parsed.error.offset, parsed.error.offset + 1), '>');
    const unclosed = parseBareExpression("phase == 'Failed");
    assert.ok('error' in unclosed);
    assert.ok(unclosed.error.offset <= "phase == 'Failed".length);
  });
});
