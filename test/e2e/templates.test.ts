// Workflow templates through the real CLI: every built-in template is created, validated and run
// to success on this machine (the deployments against the sysctl stand-in, backup-verify for
// real), approval gates stop production runs, and a generated template runs the very commands of
// the workflow it came from.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { conveyor, REPO, tempDir } from './cli-harness.ts';
import { readCalls, stepsCalled } from './call-log.ts';

interface RunJson {
  run_id: string;
  phase: string;
  steps: Record<string, { phase: string; reason: string | null }>;
  outputs: Record<string, string>;
}

async function create(dir: string, args: string[]): Promise<void> {
  const r = await conveyor(['create', ...args], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
}

async function run(dir: string, file: string, args: string[] = [], env: Record<string, string> = {}) {
  const result = await conveyor(
    ['run', file, '--output', 'json', '--state-dir', join(dir, 'state'), ...args],
    {
      cwd: dir,
      env: { SYSCTL_LOG: join(dir, 'calls.log'), SYSCTL_DELAY_MS: '20', ...env },
    },
  );
  let json: RunJson;
  try {
    json = JSON.parse(result.stdout) as RunJson;
  } catch {
    throw new Error(`no JSON result (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
  return { result, json, calls: readCalls(join(dir, 'calls.log')) };
}

/** A folder with a few files to back up, in `data` under the run's working folder. */
function withData(dir: string): void {
  mkdirSync(join(dir, 'data', 'nested'), { recursive: true });
  writeFileSync(join(dir, 'data', 'a.txt'), 'alpha\n');
  writeFileSync(join(dir, 'data', 'nested', 'b.txt'), 'beta\n');
  writeFileSync(join(dir, 'data', 'nested', 'c.bin'), Buffer.from([0, 1, 2, 255]));
}

describe('built-in templates', () => {
  test('conveyor templates lists them', async () => {
    const r = await conveyor(['templates', '--output', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const names = (JSON.parse(r.stdout) as { templates: { name: string }[] }).templates.map((t) => t.name);
    for (const name of [
      'rolling-deployment',
      'blue-green-deployment',
      'database-maintenance',
      'backup-verify',
    ])
      assert.ok(names.includes(name), name);
  });

  const templates = ['rolling-deployment', 'blue-green-deployment', 'database-maintenance', 'backup-verify'];
  for (const template of templates) {
    test(`${template}: created with its defaults, it validates and runs to success`, async () => {
      const dir = tempDir();
      if (template === 'backup-verify') withData(dir);
      await create(dir, ['my-workflow', '--template', template]);
      const validate = await conveyor(['validate', 'my-workflow.yaml'], { cwd: dir });
      assert.equal(validate.code, 0, validate.stdout + validate.stderr);
      assert.match(validate.stdout, /my-workflow\.yaml: valid/);
      const { result, json } = await run(dir, 'my-workflow.yaml');
      assert.equal(result.code, 0, result.stderr);
      assert.equal(json.phase, 'Succeeded');
      assert.ok(json.run_id.startsWith('my-workflow-'), json.run_id);
    });
  }
});

describe('rolling-deployment', () => {
  test("the seed's command: deployment with --services api,worker deploys them in order", async () => {
    const dir = tempDir();
    await create(dir, [
      'microservice-deployment',
      '--template',
      'deployment',
      '--services',
      'api,worker',
      '--image-tag',
      'v2',
    ]);
    const { result, calls } = await run(dir, 'microservice-deployment.yaml');
    assert.equal(result.code, 0, result.stderr);
    const deploys = calls.filter((c) => c.args[0] === 'deploy').map((c) => c.args.slice(0, 6).join(' '));
    assert.deepEqual(deploys, [
      'deploy api --env staging --image api:v2',
      'deploy worker --env staging --image worker:v2',
    ]);
    assert.ok(!stepsCalled(calls).includes('production_approval'), 'no approval outside production');
  });

  test('in production it waits for approval (exit 3); --auto-approve runs it through', async () => {
    const dir = tempDir();
    await create(dir, ['prod', '--template', 'rolling-deployment', '--set', 'environment=production']);
    const gated = await run(dir, 'prod.yaml');
    assert.equal(gated.result.code, 3, gated.result.stderr);
    assert.equal(gated.json.phase, 'AwaitingApproval');
    assert.equal(gated.json.steps.production_approval?.phase, 'AwaitingApproval');
    assert.ok(!gated.calls.some((c) => c.args[0] === 'deploy'));
    const approved = await run(tempDir(), join(dir, 'prod.yaml'), ['--auto-approve']);
    assert.equal(approved.result.code, 0, approved.result.stderr);
    assert.ok(stepsCalled(approved.calls).includes('backup_check'));
  });

  test('a failing smoke test rolls the services back', async () => {
    const dir = tempDir();
    await create(dir, ['r', '--template', 'deployment']);
    const { result, json, calls } = await run(dir, 'r.yaml', [], { SYSCTL_FAIL: 'test smoke' });
    assert.equal(result.code, 1);
    assert.equal(json.phase, 'Failed');
    const rollback = calls.find((c) => c.step === 'rollback_services');
    assert.deepEqual(rollback?.args, ['rollback', '--services', 'api,worker', '--env', 'staging']);
    assert.ok(stepsCalled(calls).includes('notify_failure'));
  });
});

describe('blue-green and database maintenance', () => {
  test('blue-green switches traffic only after green passed its tests, with approval in production', async () => {
    const dir = tempDir();
    await create(dir, [
      'bg',
      '--template',
      'blue-green-deployment',
      '--set',
      'environment=production,services={api,web}',
    ]);
    const { result, calls } = await run(dir, 'bg.yaml', ['--auto-approve']);
    assert.equal(result.code, 0, result.stderr);
    const order = stepsCalled(calls);
    assert.ok(order.indexOf('test_green') < order.indexOf('switch_approval'));
    assert.ok(order.indexOf('switch_approval') < order.indexOf('switch_traffic'));
    assert.equal(calls.filter((c) => c.step === 'deploy_to_green').length, 2);
  });

  test('database-maintenance runs a full vacuum when asked and always leaves maintenance mode', async () => {
    const dir = tempDir();
    await create(dir, [
      'db',
      '--template',
      'database-maintenance',
      '--set',
      'database=orders,vacuum_full=true',
    ]);
    const { result, json, calls } = await run(dir, 'db.yaml');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(json.steps.vacuum?.phase, 'Skipped');
    assert.equal(json.steps.full_vacuum?.phase, 'Succeeded');
    assert.equal(json.steps.full_vacuum_approval?.phase, 'Skipped', 'approval only in production');
    assert.deepEqual(
      calls.find((c) => c.step === 'full_vacuum')?.args,
      'database vacuum --name orders --full --env staging'.split(' '),
    );
    assert.equal(stepsCalled(calls).at(-1), 'leave_maintenance_mode');
    const failed = await run(tempDir(), join(dir, 'db.yaml'), [], { SYSCTL_FAIL: 'database check' });
    assert.equal(failed.result.code, 1);
    const names = stepsCalled(failed.calls);
    assert.ok(
      names.includes('restore_backup') && names.includes('leave_maintenance_mode_after_failure'),
      names.join(),
    );
  });
});

describe('backup-verify', () => {
  test('archives, verifies by checksum and trial restore, and keeps the newest archives', async () => {
    const dir = tempDir();
    withData(dir);
    await create(dir, ['nightly', '--template', 'backup-verify', '--set', 'keep=2,backup_dir=archives']);
    for (let i = 0; i < 3; i++) {
      const { result, json } = await run(dir, 'nightly.yaml');
      assert.equal(result.code, 0, result.stderr);
      assert.equal(json.outputs.source_files, '3');
    }
    const archives = readdirSync(join(dir, 'archives'));
    assert.equal(archives.filter((f) => f.endsWith('.tar.gz')).length, 2, archives.join(', '));
    assert.equal(archives.filter((f) => f.endsWith('.sha256')).length, 2, archives.join(', '));
  });

  test('a missing source folder stops the run at its prerequisite, before anything is written', async () => {
    const dir = tempDir();
    await create(dir, ['b', '--template', 'backup']);
    const { result, json } = await run(dir, 'b.yaml', ['--set', 'source=missing']);
    assert.equal(result.code, 1);
    assert.equal(json.steps.source_exists?.phase, 'Failed');
    assert.ok(!readdirSync(dir).includes('backups'));
  });
});

describe('generated templates', () => {
  test('a template generated from basic-deployment runs the same sysctl calls as the original', async () => {
    const dir = tempDir();
    const gen = await conveyor(
      [
        'template',
        'generate',
        '--from',
        join(REPO, 'examples/basic-deployment.yaml'),
        '--name',
        'custom-template',
      ],
      { cwd: dir },
    );
    assert.equal(gen.code, 0, gen.stderr);
    assert.match(gen.stdout, /3 new parameters/);
    const originalDir = tempDir();
    const original = await run(originalDir, join(REPO, 'examples/basic-deployment.yaml'), [
      '--run-id',
      'same',
    ]);
    const generated = await run(dir, 'custom-template.yaml', ['--run-id', 'same']);
    assert.equal(original.result.code, 0, original.result.stderr);
    assert.equal(generated.result.code, 0, generated.result.stderr);
    const calls = (c: typeof original.calls) => c.map((x) => `${x.step}: ${x.args.join(' ')}`).sort();
    assert.deepEqual(calls(generated.calls), calls(original.calls));
  });
});
