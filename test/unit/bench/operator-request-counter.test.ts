// The operator bench reads the controller's request counts while the controller keeps writing them.
// A read that lands mid-write must never pass for "no requests": stop 23's CI printed a negative
// "controller requests per step" (-1.58) because the file was read truncated and taken as empty.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { readRequestCounts, writeRequestCounter } from '../../bench/operator-request-counter.ts';

const total = (counts: Record<string, number>): number =>
  Object.values(counts).reduce((sum, n) => sum + n, 0);

describe('the operator bench request counter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-counter-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is never read half-written: every read while it flushes sees counts that only grow', async () => {
    const server = createServer((_, response) => response.end('{}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const file = join(dir, 'counts.json');
    // Many keys make each write long enough for a reader to land inside it.
    const client = `
      import http from 'node:http';
      const get = (path) => new Promise((resolve) => http.request({ port: ${port}, path }, (r) => { r.resume(); r.on('end', resolve); }).end());
      const deadline = Date.now() + 1500;
      for (let i = 0; Date.now() < deadline; i++) await get('/api/v1/namespaces/n/kind' + (i % 400));
    `;
    const child = spawn(
      process.execPath,
      ['--import', writeRequestCounter(dir), '--input-type=module', '-e', client],
      { env: { ...process.env, CONVEYOR_BENCH_REQUEST_COUNTS: file, CONVEYOR_BENCH_REQUEST_FLUSH_MS: '1' } },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      let reads = 0;
      let last = 0;
      let running = true;
      void exited.then(() => (running = false));
      while (running) {
        if (existsSync(file)) {
          const counts = readRequestCounts(file);
          const now = total(counts);
          assert.ok(now >= last, `read ${reads}: ${now} requests after ${last}`);
          last = now;
          reads++;
        }
        await delay(0);
      }
      assert.equal(await exited, 0);
      assert.ok(reads > 100, `the file was read while written (${reads} reads)`);
      assert.ok(last > 0, 'requests were counted');
    } finally {
      child.kill();
      server.close();
    }
  });

  it('says so when the file cannot be read, instead of counting nothing', () => {
    assert.throws(() => readRequestCounts(join(dir, 'absent.json')), /absent\.json/);
  });
});
