import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RunJournal } from '../../../src/cli/run-journal.ts';
import type { FsyncFn } from '../../../src/cli/run-journal.ts';
import { WriteAheadExecutor } from '../../../src/cli/write-ahead-executor.ts';
import type { KillableExecutor } from '../../../src/cli/write-ahead-executor.ts';
import type { StartAttemptAction } from '../../../src/engine/types.ts';

/** An fsync that completes only when the test says, as a slow disk would. */
function heldFsync(): FsyncFn & { calls: number; complete(): void } {
  let held: (() => void)[] = [];
  const fn = ((_fd, done) => {
    fn.calls++;
    held.push(() => done(null));
  }) as FsyncFn & { calls: number; complete(): void };
  fn.calls = 0;
  fn.complete = () => {
    const now = held;
    held = [];
    for (const done of now) done();
  };
  return fn;
}

function journalIn(fsync: FsyncFn): { journal: RunJournal; path: string } {
  const path = join(mkdtempSync(join(tmpdir(), 'conveyor-journal-')), 'journal.jsonl');
  return { journal: new RunJournal(path, () => 0, fsync), path };
}

test('what waits for the journal runs only once an fsync issued after its lines were written completes', () => {
  const fsync = heldFsync();
  const { journal, path } = journalIn(fsync);
  const ran: string[] = [];
  journal.append([{ event: 'start', step: 'a', attempt: 1 }]);
  journal.afterDurable(() => ran.push('a'));
  assert.deepEqual(ran, [], 'nothing runs before the disk has the line');
  assert.match(readFileSync(path, 'utf8'), /"step":"a"/, 'the line is written at once');
  fsync.complete();
  assert.deepEqual(ran, ['a']);
});

test('lines written while an fsync is in flight wait for the next one, and one fsync covers all of them', () => {
  const fsync = heldFsync();
  const { journal } = journalIn(fsync);
  const ran: string[] = [];
  journal.append([{ event: 'start', step: 'a', attempt: 1 }]);
  journal.afterDurable(() => ran.push('a'));
  for (const step of ['b', 'c', 'd']) {
    journal.append([{ event: 'start', step, attempt: 1 }]);
    journal.afterDurable(() => ran.push(step));
  }
  assert.equal(fsync.calls, 1, 'one fsync in flight at a time');
  fsync.complete();
  assert.deepEqual(ran, ['a'], 'b, c and d were written after that fsync was issued');
  assert.equal(fsync.calls, 2, 'one more fsync for the three of them');
  fsync.complete();
  assert.deepEqual(ran, ['a', 'b', 'c', 'd'], 'in the order they asked');
});

test('a synchronous durable append releases what waited, and nothing waits when all is on disk', () => {
  const fsync = heldFsync();
  const { journal } = journalIn(fsync);
  const ran: string[] = [];
  journal.append([{ event: 'start', step: 'a', attempt: 1 }]);
  journal.afterDurable(() => ran.push('a'));
  journal.append([{ event: 'signal', signal: 'SIGTERM', action: 'stop' }], true);
  assert.deepEqual(ran, ['a']);
  journal.afterDurable(() => ran.push('now'));
  assert.deepEqual(ran, ['a', 'now']);
  fsync.complete();
  assert.deepEqual(ran, ['a', 'now'], 'the late fsync runs nothing twice');
});

test('the write-ahead executor starts, cancels and kills in the order asked, each start once its line is durable', async () => {
  const fsync = heldFsync();
  const { journal } = journalIn(fsync);
  const calls: string[] = [];
  const inner: KillableExecutor = {
    start: (a) => void calls.push(`start ${a.step}`),
    cancel: (a) => void calls.push(`cancel ${a.step}`),
    killAll: () => void calls.push('killAll'),
    close: async () => void calls.push('close'),
  };
  const executor = new WriteAheadExecutor(inner, (then) => journal.afterDurable(then));
  const start = (step: string): StartAttemptAction =>
    ({ kind: 'startAttempt', step, attempt: 1, attemptId: `${step}-1` }) as StartAttemptAction;
  journal.append([{ event: 'start', step: 'a', attempt: 1 }]);
  executor.start(start('a'));
  executor.cancel({ kind: 'cancelAttempt', step: 'a', attempt: 1, attemptId: 'a-1' } as never);
  executor.killAll();
  assert.deepEqual(calls, ['killAll'], 'only what already runs is killed before the disk has the line');
  const closed = executor.close();
  fsync.complete();
  await closed;
  assert.deepEqual(calls, ['killAll', 'start a', 'cancel a', 'killAll', 'close']);
});
