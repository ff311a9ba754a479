// Durations, quantities and --set values: the small parsers every command relies on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, parseDuration } from '../../../src/spec/duration.ts';
import { parseCpuMillis, parseMemoryBytes } from '../../../src/spec/quantity.ts';
import { parseSetValues } from '../../../src/spec/set-values.ts';

test('durations accept units, compound forms and bare seconds', () => {
  assert.deepEqual(parseDuration('30s'), { ok: true, ms: 30_000 });
  assert.deepEqual(parseDuration('5m'), { ok: true, ms: 300_000 });
  assert.deepEqual(parseDuration('1h30m'), { ok: true, ms: 5_400_000 });
  assert.deepEqual(parseDuration('250ms'), { ok: true, ms: 250 });
  assert.deepEqual(parseDuration(300), { ok: true, ms: 300_000 });
  assert.deepEqual(parseDuration('300'), { ok: true, ms: 300_000 });
  assert.deepEqual(parseDuration('7d'), { ok: true, ms: 7 * 86_400_000 });
});

test('durations reject words, negative numbers and absurd lengths', () => {
  for (const bad of ['soon', '5 minutes', '', '-5s', -1, '10y', '1000d', true]) {
    assert.equal(parseDuration(bad).ok, false, String(bad));
  }
});

test('durations print compactly', () => {
  assert.equal(formatDuration(65_000), '1m5s');
  assert.equal(formatDuration(3_600_000 * 2 + 60_000 * 3), '2h3m');
  assert.equal(formatDuration(400), '400ms');
});

test('quantities follow Kubernetes suffixes', () => {
  assert.deepEqual(parseCpuMillis('500m'), { ok: true, value: 500 });
  assert.deepEqual(parseCpuMillis('0.5'), { ok: true, value: 500 });
  assert.deepEqual(parseCpuMillis(2), { ok: true, value: 2000 });
  assert.deepEqual(parseMemoryBytes('512Mi'), { ok: true, value: 512 * 1024 * 1024 });
  assert.deepEqual(parseMemoryBytes('1G'), { ok: true, value: 1e9 });
  assert.deepEqual(parseMemoryBytes('128974848'), { ok: true, value: 128974848 });
  assert.deepEqual(parseMemoryBytes('1e3'), { ok: true, value: 1000 });
  for (const bad of ['512MB', 'two', '', '-1', '1.2.3']) assert.equal(parseMemoryBytes(bad).ok, false, bad);
});

test('--set follows Helm: pairs, lists in braces, escaped commas, dotted keys', () => {
  assert.deepEqual(parseSetValues(['env=production,version=v2.1.0']), {
    ok: true,
    values: { env: 'production', version: 'v2.1.0' },
  });
  assert.deepEqual(parseSetValues(['services={api,worker}', 'msg=a\\,b']), {
    ok: true,
    values: { services: ['api', 'worker'], msg: 'a,b' },
  });
  assert.deepEqual(parseSetValues(['db.host=x,db.port=5432']), {
    ok: true,
    values: { db: { host: 'x', port: '5432' } },
  });
  assert.deepEqual(parseSetValues(['empty={}', 'blank=']), { ok: true, values: { empty: [], blank: '' } });
  assert.equal(parseSetValues(['novalue']).ok, false);
  assert.equal(parseSetValues(['=x']).ok, false);
});
