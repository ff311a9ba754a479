// The cluster tests' kubectl helper itself: a kubectl that exits before reading its input (a usage
// error, a refusal) gives its exit code and message, and never crashes the test process with the
// EPIPE of the input it did not read (seen in CI: `write EPIPE` at kubectl.ts, a whole file lost).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kubectl } from './kubectl.ts';

test('kubectl that exits without reading its input reports its exit code, not an EPIPE', async () => {
  // Larger than a pipe's buffer, so that writing it cannot finish before kubectl exits.
  const input = 'x'.repeat(4 * 1024 * 1024);
  const result = await kubectl(['apply', '-f', '-', '--no-such-flag'], {
    kubeconfig: '/dev/null',
    input,
    allowFailure: true,
  });
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /no-such-flag/);
});
