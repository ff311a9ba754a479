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

test('schedule names default to workflow-environment-cadence, and runs to workflow-schedule-firetime', async () => {
  const { defaultScheduleName } = await import('../../../src/cli/cluster/schedule-names.ts');
  const { scheduledRunName } = await import('../../../src/controller/scheduled-runs.ts');
  assert.equal(defaultScheduleName('deployment', 'production', '0 2 * * 0'), 'deployment-production-weekly');
  assert.equal(defaultScheduleName('backup', undefined, '30 1 * * *'), 'backup-daily');
  assert.equal(defaultScheduleName('backup', 'prod', '15 * * * *'), 'backup-prod-hourly');
  assert.equal(defaultScheduleName('backup', 'prod', '0 0 1 * *'), 'backup-prod-monthly');
  assert.equal(defaultScheduleName('backup', 'prod', '0 0 1 1 *'), 'backup-prod-yearly');
  assert.match(defaultScheduleName('backup', 'prod', '*/5 * * * *'), /^backup-prod-cron-[0-9a-f]{6}$/);
  const long = defaultScheduleName('x'.repeat(80), 'production', '0 2 * * 0');
  assert.ok(long.length <= 63 && long.endsWith('-production-weekly'), long);
  const at = Date.parse('2026-11-29T02:00:00Z');
  assert.equal(
    scheduledRunName('deployment', 'deployment-production-weekly', at),
    'deployment-production-weekly-1795917600',
  );
  assert.equal(scheduledRunName('backup', 'nightly', at), 'backup-nightly-1795917600');
  assert.ok(scheduledRunName('w'.repeat(60), 'nightly', at).length <= 63);
});

test('schedule refuses unknown subcommands with a suggestion, and add/cancel check their input before any cluster', async () => {
  const cases: [string[], RegExp][] = [
    [['schedule', 'lsit'], /unknown subcommand 'lsit' \(did you mean 'list'\?\)/],
    [
      ['schedule', 'add', 'wf.yaml', '--cron', '0 2 * *'],
      /--cron: cron expression "0 2 \* \*" has 4 field\(s\)/,
    ],
    [
      ['schedule', 'add', 'wf.yaml', '--cron', '0 2 * * *', '--concurrency-policy', 'Forbidd'],
      /did you mean 'Forbid'/,
    ],
    [
      ['schedule', 'add', 'wf.yaml', '--cron', '0 2 * * *', '--starting-deadline', 'soon'],
      /--starting-deadline: invalid duration/,
    ],
    [['schedule', 'cancel'], /expected one schedule NAME/],
  ];
  for (const [argv, message] of cases) {
    const io = memoryIO('2026-11-29T00:00:00Z');
    assert.equal(await main(argv, io), 2, argv.join(' '));
    assert.match(io.err(), message);
  }
});
