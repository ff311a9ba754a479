// Who may talk to the UI server: the token, the Host header (DNS rebinding) and the Origin of changes.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { newToken, refusal } from '../../../../src/cli/ui/access.ts';

const token = newToken();
const request = (headers: Record<string, string>, method = 'GET') =>
  ({ headers, method }) as unknown as IncomingMessage;
const url = (query: string) => new URL(`http://127.0.0.1:4000/api/runs${query}`);

test('tokens are long, URL-safe and never repeat', () => {
  const other = newToken();
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(token, other);
});

test('lets a request with the token through the loopback host names', () => {
  for (const host of ['127.0.0.1:4000', 'localhost:4000', '[::1]:4000'])
    assert.equal(refusal(request({ host }), url(`?token=${token}`), token, 4000), undefined, host);
});

test('refuses a missing or wrong token, and a token of another length', () => {
  for (const query of [
    '',
    '?token=',
    `?token=${token.slice(1)}`,
    `?token=${token}x`,
    '?token=' + 'A'.repeat(43),
  ])
    assert.equal(refusal(request({ host: '127.0.0.1:4000' }), url(query), token, 4000)?.status, 403, query);
});

test('refuses a Host header naming another server (DNS rebinding)', () => {
  for (const host of ['evil.example:4000', '127.0.0.1:4001', ''])
    assert.equal(refusal(request({ host }), url(`?token=${token}`), token, 4000)?.status, 421, host);
});

test('refuses a change from another origin, and allows one from this one', () => {
  const post = (origin: string) =>
    refusal(request({ host: '127.0.0.1:4000', origin }, 'POST'), url(`?token=${token}`), token, 4000);
  assert.equal(post('http://evil.example')?.status, 403);
  assert.equal(post('http://127.0.0.1:4001')?.status, 403);
  assert.equal(post('http://127.0.0.1:4000'), undefined);
});
