// What counts as true for `when`, `condition` and validation expressions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTruthy } from '../../../src/template/index.ts';

describe('isTruthy', () => {
  it('is false for false, nil, zero, empty and false-meaning strings', () => {
    for (const v of [
      false,
      null,
      undefined,
      0,
      -0,
      NaN,
      '',
      '   ',
      '\n  \n',
      'false',
      'False',
      'FALSE',
      ' false\n',
      '0',
      'no',
      'No',
      [],
      {},
    ]) {
      assert.equal(isTruthy(v), false, JSON.stringify(v));
    }
  });

  it('is true for everything else', () => {
    for (const v of [true, 1, -1, 0.5, 'true', 'yes', 'x', ' 1 ', 'off', [0], [''], { a: false }]) {
      assert.equal(isTruthy(v), true, JSON.stringify(v));
    }
  });

  it("reads the seed's multi-line condition output: 'true' or whitespace", () => {
    assert.equal(isTruthy('\n    true\n'), true);
    assert.equal(isTruthy('\n  \n'), false);
  });
});
