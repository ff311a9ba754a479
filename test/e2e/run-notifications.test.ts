// `conveyor run --notifications-config FILE` delivers the run's notifications, alerts included, to a
// real local webhook receiver; a bad config stops the run before it starts, with positions.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { conveyor, REPO, tempDir } from './cli-harness.ts';
import { startHttpReceiver } from './notification-receivers.ts';
import type { HttpReceiver } from './notification-receivers.ts';

let receiver: HttpReceiver;
before(async () => {
  receiver = await startHttpReceiver();
});
after(async () => {
  await receiver.close();
});

test('a local run sends started, the alert and completed to the webhook', async () => {
  const dir = tempDir();
  const config = join(dir, 'notifications.yaml');
  writeFileSync(config, `channels:\n  webhook:\n    url: ${receiver.url}/local\n`);
  const result = await conveyor(
    [
      'run',
      join(REPO, 'test/fixtures/e2e/notify-and-alert.yaml'),
      '--state-dir',
      join(dir, 'state'),
      '--run-id',
      'local-1',
    ],
    { cwd: dir, env: { CONVEYOR_NOTIFICATIONS_CONFIG: config } },
  );
  assert.equal(result.code, 0, result.stderr + result.stdout);
  assert.match(result.stdout, /Alert \(warning\) slow: the run has taken \d/);
  assert.match(result.stdout, /Notifications: 3 sent\./);
  const bodies = receiver.requests.filter((r) => r.path === '/local').map((r) => r.body);
  assert.deepEqual(
    bodies.map((b) => [b.event, b.run, b.workflow, b.namespace]),
    [
      ['started', 'local-1', 'notify-and-alert', null],
      ['alert', 'local-1', 'notify-and-alert', null],
      ['completed', 'local-1', 'notify-and-alert', null],
    ],
  );
  assert.deepEqual(bodies[1]?.alert, { name: 'slow', severity: 'warning', condition: 'run_duration > 0.3' });
});

test('a config with mistakes stops the run before it starts and says where they are', async () => {
  const dir = tempDir();
  const config = join(dir, 'notifications.yaml');
  writeFileSync(config, 'channels:\n  slack:\n    webhookUrl: { valueFrom: { file: /nonexistent/url } }\n');
  const result = await conveyor(
    ['run', join(REPO, 'test/fixtures/e2e/notify-and-alert.yaml'), '--notifications-config', config],
    { cwd: dir },
  );
  assert.equal(result.code, 2);
  assert.match(
    result.stderr,
    /notifications\.yaml:3:17: channels\.slack\.webhookUrl: file \/nonexistent\/url: cannot read \/nonexistent\/url: ENOENT/,
  );
});
