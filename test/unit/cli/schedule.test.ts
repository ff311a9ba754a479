// `conveyor schedule next` prints the next fire times of a cron expression in a time zone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { main } from '../../../src/cli/main.ts';
import type { CliIO } from '../../../src/cli/io.ts';

function memoryIO(now: string): CliIO & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (t) => void (out += t), isTTY: false },
    stderr: { write: (t) => void (err += t), isTTY: false },
    cwd: process.cwd(),
    env: {},
    readFile: () => Promise.reject(new Error('no files')),
    now: () => Date.parse(now),
    out: () => out,
    err: () => err,
  };
}

test('the next fire times of a weekly schedule, in the schedule time zone', async () => {
  const io = memoryIO('2026-11-29T00:00:00Z');
  const code = await main(
    ['schedule', 'next', '--cron', '0 2 * * 0', '--timezone', 'Europe/Paris', '--count', '2', '-o', 'json'],
    io,
  );
  assert.equal(code, 0, io.err());
  assert.deepEqual(JSON.parse(io.out()).next, ['2026-11-29T01:00:00.000Z', '2026-12-06T01:00:00.000Z']);
});

test('a malformed expression or time zone is a usage error', async () => {
  const bad = memoryIO('2026-11-29T00:00:00Z');
  assert.equal(await main(['schedule', 'next', '--cron', '61 * * * *'], bad), 2);
  assert.match(bad.err(), /--cron "61 \* \* \* \*"/);
  const tz = memoryIO('2026-11-29T00:00:00Z');
  assert.equal(await main(['schedule', 'next', '--cron', '0 2 * * 0', '--timezone', 'Mars/Olympus'], tz), 2);
  assert.match(tz.err(), /unknown time zone 'Mars\/Olympus'/);
});
