// Schedules on a real control plane: two controllers running at once start exactly one run per fire
// time; Forbid never lets runs overlap; after downtime a schedule runs once for the latest missed fire
// time; and `conveyor schedule add|list|suspend|cancel` edit what the operator runs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { workflowResource } from '../../src/spec/crd/resources.ts';
import { REPO_ROOT } from './harness.ts';
import { apply, createNamespace, getObject, kubectl, listObjects } from './kubectl.ts';
import type { KubectlOptions } from './kubectl.ts';
import { pollUntil } from './lib/wait.ts';
import { startController } from './controller-process.ts';
import type { ControllerProcess } from './controller-process.ts';
import { useCluster } from './use-cluster.ts';
import { installCrds } from './install-crds.ts';

const suite = await useCluster();
const CLI = join(REPO_ROOT, 'bin', 'conveyor.js');

interface Run {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { parameters?: Record<string, unknown>; environment?: string };
  status?: { phase?: string; startedAt?: string; finishedAt?: string };
}

interface ScheduleStatus {
  name: string;
  since?: string;
  lastScheduleTime?: string;
  nextScheduleTimes?: string[];
  lastSkip?: { reason: string; message: string };
  lastRun?: { name: string; phase?: string };
  active?: string[];
}

interface WorkflowWithStatus {
  spec: { schedules?: { name?: string; suspend?: boolean }[] };
  status?: { schedules?: ScheduleStatus[] };
}

const scheduledAt = (r: Run): number =>
  Date.parse(r.metadata.annotations?.['conveyor.dev/scheduled-at'] ?? '');

describe('schedules', suite.options, () => {
  let ns: { name: string; remove: () => Promise<void> };
  let target: KubectlOptions;
  const controllers: ControllerProcess[] = [];
  let logs = '';
  const work = mkdtempSync(join(tmpdir(), 'conveyor-schedules-'));

  const launch = (): ControllerProcess => {
    const c = startController({ kubeconfig: suite.get().kubeconfig, namespace: ns.name });
    controllers.push(c);
    return c;
  };
  async function stopAll(): Promise<void> {
    for (const c of controllers.splice(0)) {
      logs += c.log();
      await c.stop();
    }
  }
  const controllerLog = () => logs + controllers.map((c) => c.log()).join('\n');

  async function runsOf(schedule: string, workflow?: string): Promise<Run[]> {
    const selector = `conveyor.dev/schedule=${schedule}${workflow ? `,conveyor.dev/workflow=${workflow}` : ''}`;
    const runs = await listObjects<Run>('workflowruns', selector, target);
    return runs.sort((a, b) => scheduledAt(a) - scheduledAt(b));
  }

  function scheduleStatus(workflow: string, schedule: string): Promise<ScheduleStatus | undefined> {
    return getObject<WorkflowWithStatus>('workflow', workflow, target).then((wf) =>
      wf?.status?.schedules?.find((s) => s.name === schedule),
    );
  }

  async function applyWorkflow(document: Record<string, unknown>): Promise<void> {
    const wrapped = workflowResource(document, ns.name);
    assert.ok(wrapped.ok);
    await apply([wrapped.resource], target);
  }

  function cli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, [CLI, ...args, '-n', ns.name], {
      cwd: work,
      env: { ...process.env, KUBECONFIG: suite.get().kubeconfig, CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  }

  before(async () => {
    const cluster = suite.get();
    await installCrds(cluster.kubeconfig);
    ns = await createNamespace('schedules', cluster.kubeconfig);
    target = { kubeconfig: cluster.kubeconfig, namespace: ns.name };
  });

  after(async () => {
    await stopAll();
    await ns?.remove();
  });

  test('two controllers at once start exactly one run per fire time, in order, with no gap', async () => {
    launch();
    launch();
    await applyWorkflow({
      name: 'ticker',
      parameters: [{ name: 'target', default: 'none' }],
      steps: [{ name: 'tick', command: 'echo tick {{ .target }} {{ .environment }}' }],
      schedules: [
        {
          name: 'every-3s',
          cron: '*/3 * * * * *',
          concurrency_policy: 'Allow',
          parameters: { target: 'db' },
          environment: 'staging',
        },
      ],
    });
    const runs = await pollUntil(
      async () =>
        (await runsOf('every-3s', 'ticker')).length >= 5 ? runsOf('every-3s', 'ticker') : undefined,
      {
        what: 'five scheduled runs',
        timeoutMs: 60_000,
        describe: controllerLog,
      },
    );
    const times = runs.map(scheduledAt);
    assert.equal(new Set(times).size, times.length, 'one run per fire time');
    for (const t of times)
      assert.equal(t % 3000, 0, `fire time ${new Date(t).toISOString()} is on the schedule`);
    for (let i = 1; i < times.length; i++)
      assert.equal(times[i]! - times[i - 1]!, 3000, 'no fire time skipped');
    for (const run of runs) {
      assert.equal(run.metadata.name, `ticker-every-3s-${scheduledAt(run) / 1000}`);
      assert.deepEqual(run.spec.parameters, { target: 'db' });
      assert.equal(run.spec.environment, 'staging');
      assert.equal(run.metadata.annotations?.['conveyor.dev/created-by'] !== undefined, true);
    }
    const first = runs[0]!;
    const done = await pollUntil(
      async () => {
        const r = await getObject<Run>('workflowrun', first.metadata.name, target);
        return r?.status?.phase === 'Succeeded' ? r : undefined;
      },
      { what: `${first.metadata.name} to succeed`, timeoutMs: 60_000, describe: controllerLog },
    );
    assert.equal(done.status?.phase, 'Succeeded');
    const status = await pollUntil(() => scheduleStatus('ticker', 'every-3s'), { what: 'schedule status' });
    assert.equal(status.nextScheduleTimes?.length, 3);
    const table = await kubectl(['get', 'wf', 'ticker'], target);
    assert.match(table.stdout, /NEXT RUN/);
    assert.match(table.stdout, /ticker\s+True\s+ticker-every-3s-\d+\s+\d{4}-\d\d-\d\dT/);
    assert.ok(Date.parse(status.nextScheduleTimes![0]!) > Date.parse(status.lastScheduleTime ?? ''));
    // Stop the schedule before the next test counts runs.
    await kubectl(
      [
        'patch',
        'workflow',
        'ticker',
        '--type',
        'json',
        '-p',
        '[{"op":"replace","path":"/spec/schedules/0/suspend","value":true}]',
      ],
      target,
    );
  });

  test('Forbid skips a fire time while the previous run is still going', async () => {
    await applyWorkflow({
      name: 'slow',
      steps: [{ name: 'work', command: 'sleep 5' }],
      schedules: [{ name: 'every-2s', cron: '*/2 * * * * *', concurrency_policy: 'Forbid' }],
    });
    const skipped = await pollUntil(
      async () => {
        const s = await scheduleStatus('slow', 'every-2s');
        return s?.lastSkip?.reason === 'ConcurrencyForbid' ? s : undefined;
      },
      { what: 'a fire time skipped under Forbid', timeoutMs: 60_000, describe: controllerLog },
    );
    assert.match(skipped.lastSkip!.message, /slow-every-2s-\d+ still running/);
    await pollUntil(async () => ((await runsOf('every-2s')).length >= 2 ? true : undefined), {
      what: 'a second run after the first finished',
      timeoutMs: 60_000,
      describe: controllerLog,
    });
    await kubectl(
      ['patch', 'workflow', 'slow', '--type', 'merge', '-p', '{"spec":{"schedules":null}}'],
      target,
    );
    // Runs never overlap: each starts after the previous one finished.
    const runs = await pollUntil(
      async () => {
        const all = await runsOf('every-2s');
        return all.every((r) => r.status?.finishedAt) ? all : undefined;
      },
      { what: 'the slow runs to finish', timeoutMs: 60_000, describe: controllerLog },
    );
    for (let i = 1; i < runs.length; i++) {
      assert.ok(
        Date.parse(runs[i]!.status!.startedAt!) >= Date.parse(runs[i - 1]!.status!.finishedAt!) - 1000,
        `${runs[i]!.metadata.name} started before ${runs[i - 1]!.metadata.name} finished`,
      );
    }
    const events = await kubectl(
      ['get', 'events', '--field-selector', 'involvedObject.name=slow', '-o', 'json'],
      target,
    );
    assert.match(events.stdout, /ScheduleSkipped/);
  });

  test('Replace deletes the run still going when the next fire time comes', async () => {
    await applyWorkflow({
      name: 'replacer',
      steps: [{ name: 'work', command: 'sleep 30' }],
      schedules: [{ name: 'every-3s', cron: '*/3 * * * * *', concurrency_policy: 'Replace' }],
    });
    const first = await pollUntil(async () => (await runsOf('every-3s', 'replacer'))[0], {
      what: 'a first replacer run',
      timeoutMs: 30_000,
      describe: controllerLog,
    });
    const replaced = await pollUntil(
      async () => {
        const runs = await runsOf('every-3s', 'replacer');
        return runs.some((r) => r.metadata.name === first.metadata.name) ? undefined : runs;
      },
      { what: `${first.metadata.name} to be replaced`, timeoutMs: 30_000, describe: controllerLog },
    );
    assert.ok(replaced.every((r) => scheduledAt(r) > scheduledAt(first)));
    await kubectl(['delete', 'workflow', 'replacer'], target);
  });

  test('after downtime a schedule runs once, for the latest missed fire time', async () => {
    await kubectl(
      [
        'patch',
        'workflow',
        'ticker',
        '--type',
        'json',
        '-p',
        '[{"op":"replace","path":"/spec/schedules/0/suspend","value":false}]',
      ],
      target,
    );
    await pollUntil(
      async () => {
        const s = await scheduleStatus('ticker', 'every-3s');
        return s?.lastScheduleTime && Date.now() - Date.parse(s.lastScheduleTime) < 3500 ? s : undefined;
      },
      { what: 'the ticker to fire again', timeoutMs: 30_000, describe: controllerLog },
    );
    await stopAll();
    const before = new Set((await runsOf('every-3s', 'ticker')).map((r) => r.metadata.name));
    await delay(10_000); // three or four fire times pass with no controller
    const restartedAt = Date.now();
    launch();
    const fresh = await pollUntil(
      async () => {
        const runs = (await runsOf('every-3s', 'ticker')).filter((r) => !before.has(r.metadata.name));
        return runs.length > 0 ? runs : undefined;
      },
      { what: 'a run after the restart', timeoutMs: 30_000, describe: controllerLog },
    );
    // The first run after the restart is for the latest fire time before it, not for each one missed.
    const catchUp = fresh[0]!;
    const latestMissed = Math.floor(restartedAt / 3000) * 3000;
    assert.ok(
      scheduledAt(catchUp) >= latestMissed,
      `${catchUp.metadata.name} is for ${new Date(scheduledAt(catchUp)).toISOString()}, before the latest missed ${new Date(latestMissed).toISOString()}`,
    );
    const missedWindow = fresh.filter((r) => scheduledAt(r) < latestMissed);
    assert.deepEqual(
      missedWindow.map((r) => r.metadata.name),
      [],
    );
    await kubectl(
      ['patch', 'workflow', 'ticker', '--type', 'merge', '-p', '{"spec":{"schedules":null}}'],
      target,
    );
  });

  test('conveyor schedule add, list, suspend and cancel', async () => {
    const file = join(work, 'backup.yaml');
    writeFileSync(
      file,
      [
        'name: backup',
        'parameters:',
        '  - name: database',
        '    default: main',
        'steps:',
        '  - name: dump',
        '    command: echo dumping {{ .database }} for {{ .environment }}',
        '',
      ].join('\n'),
    );
    const bad = await cli(['schedule', 'add', file, '--cron', '*/4 * * * * *', '--set', 'databse=x']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /databse/);
    const added = await cli([
      'schedule',
      'add',
      file,
      '--cron',
      '*/4 * * * * *',
      '--set',
      'database=orders',
      '-e',
      'production',
    ]);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /Schedule backup-production-cron-[0-9a-f]{6} added on Workflow backup/);
    const name = /Schedule (\S+) added/.exec(added.stdout)![1]!;
    const weekly = await cli(['schedule', 'add', file, '--cron', '0 2 * * 0', '-e', 'production']);
    assert.equal(weekly.code, 0, weekly.stderr);
    assert.match(weekly.stdout, /Schedule backup-production-weekly added/);
    const run = await pollUntil(async () => (await runsOf(name))[0], {
      what: 'a run of the added schedule',
      timeoutMs: 30_000,
      describe: controllerLog,
    });
    assert.deepEqual(run.spec.parameters, { database: 'orders' });
    assert.equal(run.spec.environment, 'production');
    const listed = await pollUntil(
      async () => {
        const r = await cli(['schedule', 'list', '-o', 'json']);
        const doc = JSON.parse(r.stdout) as {
          schedules: { name: string; next: string[]; last_run: unknown }[];
        };
        const both = doc.schedules.filter((s) => s.name === name || s.name === 'backup-production-weekly');
        return both.length === 2 && both.every((s) => s.next.length === 3) ? both : undefined;
      },
      { what: 'schedule list to show both schedules with next times', describe: controllerLog },
    );
    const weeklyNext = new Date(listed.find((s) => s.name === 'backup-production-weekly')!.next[0]!);
    assert.equal(weeklyNext.getUTCDay(), 0);
    assert.equal(weeklyNext.getUTCHours(), 2);
    const text = await cli(['schedule', 'list']);
    assert.match(text.stdout, /NAME\s+WORKFLOW\s+CRON/);
    assert.match(text.stdout, new RegExp(`${name}\\s+backup\\s+\\*/4 \\* \\* \\* \\* \\*`));

    assert.equal((await cli(['schedule', 'suspend', name])).code, 0);
    const wf = await getObject<WorkflowWithStatus>('workflow', 'backup', target);
    assert.equal(wf?.spec.schedules?.find((s) => s.name === name)?.suspend, true);

    const typo = await cli(['schedule', 'cancel', 'backup-production-weekyl']);
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /did you mean 'backup-production-weekly'/);
    const cancelled = await cli(['schedule', 'cancel', name]);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    const after = await getObject<WorkflowWithStatus>('workflow', 'backup', target);
    assert.deepEqual(
      after?.spec.schedules?.map((s) => s.name),
      ['backup-production-weekly'],
    );
    // Running the file again (as `run --cluster` applies it) keeps the schedule the CLI added.
    const rerun = await cli(['run', file, '--cluster', '--detach', '-e', 'production']);
    assert.equal(rerun.code, 0, rerun.stderr);
    const kept = await getObject<WorkflowWithStatus>('workflow', 'backup', target);
    assert.deepEqual(
      kept?.spec.schedules?.map((s) => s.name),
      ['backup-production-weekly'],
    );
    const count = (await runsOf(name)).length;
    await delay(5000);
    assert.equal((await runsOf(name)).length, count, 'no run after the schedule was suspended and cancelled');
  });
});
