// The CLI against a real control plane (the controller as a separate process): `conveyor run
// --cluster` applies the workflow, starts a WorkflowRun and follows it to the same exit codes as a
// local run; approve patches as the current user and the admission policy's refusals show through;
// history, logs and cancel work on cluster runs; and `kubectl conveyor` finds it as a plugin.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { invokedAsKubectlPlugin, wantsCluster } from '../../src/cli/cluster/connection.ts';
import { REPO_ROOT } from './harness.ts';
import { createNamespace, getObject, kubectl } from './kubectl.ts';
import type { KubectlOptions } from './kubectl.ts';
import { pollUntil } from './lib/wait.ts';
import { startController } from './controller-process.ts';
import type { ControllerProcess } from './controller-process.ts';
import { useCluster } from './use-cluster.ts';
import { installCrds } from './install-crds.ts';
import { waitForRun as waitForRunIn } from './lib/wait-for-run.ts';

const suite = await useCluster();

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Run {
  spec: { workflowRef?: { name: string }; resumeFrom?: string };
  status?: {
    phase?: string;
    steps?: Record<string, { phase: string; reason?: string }>;
    approvals?: Record<string, { decided?: Record<string, { decision: string; comment?: string }> }>;
  };
}

const CLI = join(REPO_ROOT, 'bin', 'conveyor.js');

describe('the CLI in cluster mode', suite.options, () => {
  let ns: { name: string; remove: () => Promise<void> };
  let target: KubectlOptions;
  let controller: ControllerProcess | undefined;
  const controllerLog = (): string => controller?.log() ?? '';
  const work = mkdtempSync(join(tmpdir(), 'conveyor-cli-cluster-'));

  /** Runs the CLI as a user would: a separate process, KUBECONFIG from the environment. */
  function cli(
    args: readonly string[],
    options: { kubeconfig?: string; command?: string; env?: Record<string, string> } = {},
  ): { child: ChildProcess; done: Promise<CliResult>; stdout: () => string; stderr: () => string } {
    const [command, argv] = options.command ? [options.command, args] : [process.execPath, [CLI, ...args]];
    const child = spawn(command, [...argv], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        KUBECONFIG: options.kubeconfig ?? suite.get().kubeconfig,
        CI: '1',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<CliResult>((resolve) =>
      child.on('close', (code) => resolve({ code, stdout, stderr })),
    );
    return { child, done, stdout: () => stdout, stderr: () => stderr };
  }

  const explain = (r: CliResult): string =>
    `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}\n--- controller (tail) ---\n${controllerLog().slice(-3000)}`;

  const waitForRun = (name: string, ok: (run: Run) => boolean, timeoutMs?: number): Promise<Run> =>
    waitForRunIn(name, ok, target, () => controllerLog(), { timeoutMs });

  before(async () => {
    const cluster = suite.get();
    await installCrds(cluster.kubeconfig, { approvals: true });
    ns = await createNamespace('cli', cluster.kubeconfig);
    target = { kubeconfig: cluster.kubeconfig, namespace: ns.name };
    await kubectl(
      ['create', 'rolebinding', 'approvers', '--clusterrole', 'conveyor-approver', '--user', 'alice'],
      target,
    );
    controller = startController({
      kubeconfig: cluster.kubeconfig,
      namespace: ns.name,
      stepEnv: { SYSCTL_DELAY_MS: '200' },
    });
  });

  after(async () => {
    await controller?.stop();
    await ns?.remove();
  });

  let basicRun = '';

  test('run --cluster --output json follows the run to Succeeded and prints the result document', async () => {
    const r = await cli([
      'run',
      'examples/basic-deployment.yaml',
      '--cluster',
      '-n',
      ns.name,
      '--set',
      'environment=staging',
      '--output',
      'json',
    ]).done;
    assert.equal(r.code, 0, explain(r));
    const result = JSON.parse(r.stdout) as {
      run_id: string;
      phase: string;
      steps: Record<string, { phase: string }>;
    };
    assert.equal(result.phase, 'Succeeded');
    assert.match(result.run_id, /^basic-deployment-\d{14}-[0-9a-f]{4}$/);
    basicRun = result.run_id;
    for (const step of [
      'pre_deployment_check',
      'deploy_api',
      'deploy_worker',
      'deploy_scheduler',
      'post_deployment_test',
      'notify_team',
    ])
      assert.equal(result.steps[step]?.phase, 'Succeeded', `${step}: ${JSON.stringify(result.steps[step])}`);
    // Progress went to stderr, one line per change (not a terminal).
    assert.match(r.stderr, /step 'deploy_api' succeeded/);
    const wf = await getObject<{ metadata: { name: string } }>('workflow', 'basic-deployment', target);
    assert.equal(wf?.metadata.name, 'basic-deployment');
  });

  test('run --cluster --dry-run prints the plan after the API server accepted both objects, and stores nothing', async () => {
    const args = [
      'run',
      'examples/parallel-operations.yaml',
      '--cluster',
      '-n',
      ns.name,
      '--run-id',
      'dry-1',
      '--dry-run',
    ];
    const r = await cli(args).done;
    assert.equal(r.code, 0, explain(r));
    assert.match(
      r.stdout,
      /Dry run: the API server accepts Workflow parallel-operations and WorkflowRun dry-1/,
    );
    assert.match(r.stdout, /wave 1/i);
    assert.equal(await getObject('workflow', 'parallel-operations', target), undefined);
    assert.equal(await getObject('workflowrun', 'dry-1', target), undefined);
    // Someone without rights learns it from the dry run, as the API server says it.
    const refused = await cli(args, { kubeconfig: await suite.get().kubeconfigFor('carol') }).done;
    assert.equal(refused.code, 1, explain(refused));
    assert.match(refused.stderr, /forbidden/i);
  });

  test('an invalid parameter is refused before anything reaches the cluster (exit 2)', async () => {
    const r = await cli([
      'run',
      'examples/basic-deployment.yaml',
      '--cluster',
      '-n',
      ns.name,
      '--set',
      'nope=1',
    ]).done;
    assert.equal(r.code, 2, explain(r));
    assert.match(r.stderr, /unknown parameter 'nope'/);
  });

  test('a gated run exits 3; the creator is refused by the policy, alice approves and the run succeeds', async () => {
    const r = await cli([
      'run',
      'examples/advanced-deployment.yaml',
      '--cluster',
      '-n',
      ns.name,
      '--set',
      'environment=production,services={api}',
      '--run-id',
      'adv-cli-1',
    ]).done;
    assert.equal(r.code, 3, explain(r));
    assert.match(r.stdout, /approve adv-cli-1 switch_traffic/);

    const self = await cli(['approve', 'adv-cli-1', 'switch_traffic', '--cluster', '-n', ns.name]).done;
    assert.equal(self.code, 1, explain(self));
    assert.match(self.stderr, /refused by the API server: .*created this run.*does not allow self-approval/);

    const alice = await suite.get().kubeconfigFor('alice');
    const approved = await cli(
      ['approve', 'adv-cli-1', 'switch_traffic', '--cluster', '-n', ns.name, '--comment', 'ship it'],
      { kubeconfig: alice },
    ).done;
    assert.equal(approved.code, 0, explain(approved));
    assert.match(approved.stdout, /Approved switch_traffic of adv-cli-1 as alice/);
    const done = await waitForRun('adv-cli-1', (run) => run.status?.phase === 'Succeeded');
    assert.equal(done.status?.approvals?.switch_traffic?.decided?.alice?.decision, 'approved');
  });

  test('history lists the runs newest first, in text, JSON and YAML (the JSON document)', async () => {
    const text = await cli(['history', '--cluster', '-n', ns.name]).done;
    assert.equal(text.code, 0, explain(text));
    assert.match(text.stdout, /^NAME\s+WORKFLOW\s+PHASE\s+PROGRESS\s+AGE/);
    assert.match(text.stdout, /adv-cli-1\s+advanced-deployment\s+Succeeded/);
    const json = await cli(['history', '--cluster', '-n', ns.name, '-o', 'json']).done;
    const runs = (JSON.parse(json.stdout) as { runs: { run_id: string; created_by: string }[] }).runs;
    assert.deepEqual(
      runs.map((x) => x.run_id),
      ['adv-cli-1', basicRun],
    );
    // From dist/ as users run it (npm ci builds it): a bundling slip shows only there.
    const yaml = await cli(['history', '--cluster', '-n', ns.name, '-o', 'yaml']).done;
    assert.equal(yaml.code, 0, explain(yaml));
    assert.deepEqual(parseYaml(yaml.stdout), JSON.parse(json.stdout));
  });

  test("logs prints a step's output from its pod", async () => {
    const r = await cli(['logs', basicRun, 'deploy_api', '--cluster', '-n', ns.name]).done;
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, /==> deploy_api attempt 1 .*succeeded\) <==/);
    assert.match(r.stdout, /deployed api/);
  });

  test('logs --follow prints each line as a step writes it, prefixed with the step, until the run ends', async () => {
    const dir = join(work, 'follow');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'chatty.yaml');
    // The step holds after its first line until the test has seen it (the node agent runs steps
    // as local processes), so "while the step still ran" does not depend on the machine's load.
    const release = join(dir, 'release');
    writeFileSync(
      file,
      [
        'name: chatty',
        'steps:',
        '  - name: count',
        `    command: echo "tick 1"; while [ ! -e ${release} ]; do sleep 0.2; done; echo "tick 2"; sleep 1; echo "tick 3"`,
        '  - name: done',
        '    command: echo finished',
        '    depends_on: [count]',
        '',
      ].join('\n'),
    );
    const started = await cli(['run', file, '--cluster', '-n', ns.name, '--run-id', 'chatty-1', '--detach'])
      .done;
    assert.equal(started.code, 0, explain(started));
    const follow = cli(['logs', 'chatty-1', '--cluster', '-n', ns.name, '-f']);
    const stdout = () => follow.stdout();
    await pollUntil(() => /\[count\] tick 1/.test(stdout()) || undefined, {
      what: 'the first line while the step runs',
      timeoutMs: 60_000,
      describe: () => stdout() + follow.stderr(),
    });
    const run = await getObject<Run>('workflowrun', 'chatty-1', target);
    assert.notEqual(
      run?.status?.steps?.count?.phase,
      'Succeeded',
      'the line arrived while the step still ran',
    );
    const shown = await cli(['logs', 'chatty-1', 'count', '--cluster', '-n', ns.name]).done;
    assert.match(
      shown.stdout,
      /==> count attempt 1 \(job chatty-1-count-1-\w+, running\) <==/,
      explain(shown),
    );
    writeFileSync(release, '');
    const r = await follow.done;
    assert.equal(r.code, 0, explain(r));
    assert.deepEqual(r.stdout.trim().split('\n'), [
      '[count] tick 1',
      '[count] tick 2',
      '[count] tick 3',
      '[done] finished',
    ]);
    assert.match(r.stderr, /chatty-1 ended Succeeded/);
  });

  test('Ctrl-C detaches (the run goes on, exit 130); watch re-attaches, and cancel ends it Cancelled', async () => {
    const dir = join(work, 'long');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'long.yaml');
    writeFileSync(
      file,
      'name: long-one\nsteps:\n  - name: long\n    command: sleep 120\n  - name: after\n    command: "true"\n    depends_on: [long]\n',
    );
    const follow = cli(['run', file, '--cluster', '-n', ns.name, '--run-id', 'long-1']);
    await pollUntil(
      async () => (await getObject<Run>('workflowrun', 'long-1', target))?.status?.phase === 'Running',
      {
        what: 'long-1 running',
        timeoutMs: 60_000,
      },
    );
    follow.child.kill('SIGINT');
    const detached = await follow.done;
    assert.equal(detached.code, 130, explain(detached));
    assert.match(detached.stdout, /goes on in the cluster/);
    assert.equal((await getObject<Run>('workflowrun', 'long-1', target))?.status?.phase, 'Running');

    // Re-attach, then cancel from elsewhere: the watch ends with the run, exit 130.
    const typo = await cli(['watch', 'long-2', '--cluster', '-n', ns.name]).done;
    assert.equal(typo.code, 2, explain(typo));
    assert.match(typo.stderr, /no WorkflowRun long-2 .*\(did you mean 'long-1'\?\)/);
    const watch = cli(['watch', 'long-1', '--cluster', '-n', ns.name, '-o', 'json']);
    await pollUntil(() => /Watching long-1/.test(watch.stderr()) || undefined, {
      what: 'the watch to start',
    });
    const cancel = await cli(['cancel', 'long-1', '--cluster', '-n', ns.name]).done;
    assert.equal(cancel.code, 0, explain(cancel));
    const run = await waitForRun('long-1', (x) => x.status?.phase === 'Cancelled');
    assert.equal(run.status?.steps?.after?.phase, 'Cancelled');
    const watched = await watch.done;
    assert.equal(watched.code, 130, explain(watched));
    assert.equal((JSON.parse(watched.stdout) as { phase: string }).phase, 'Cancelled');
  });

  test('a failed run resumes as a new run from its failed step, and list shows the last run', async () => {
    const dir = join(work, 'resume');
    mkdirSync(dir, { recursive: true });
    const marker = join(dir, 'fixed');
    const file = join(dir, 'flaky.yaml');
    // Steps run as local processes on the test cluster's node, so they see this file system.
    writeFileSync(
      file,
      `name: flaky-one\nsteps:\n  - name: first\n    command: echo first\n  - name: flaky\n    command: test -f ${marker}\n    depends_on: [first]\n`,
    );
    const failed = await cli(['run', file, '--cluster', '-n', ns.name, '--run-id', 'flaky-1']).done;
    assert.equal(failed.code, 1, explain(failed));
    writeFileSync(marker, '');
    const resumed = await cli([
      'resume',
      'flaky-1',
      '--cluster',
      '-n',
      ns.name,
      '--run-id',
      'flaky-2',
      '-o',
      'json',
    ]).done;
    assert.equal(resumed.code, 0, explain(resumed));
    const result = JSON.parse(resumed.stdout) as { phase: string; steps: Record<string, { phase: string }> };
    assert.equal(result.phase, 'Succeeded');
    assert.equal(result.steps.flaky?.phase, 'Succeeded');

    const list = await cli(['list', '--cluster', '-n', ns.name]).done;
    assert.equal(list.code, 0, explain(list));
    assert.match(list.stdout, /flaky-one\s+True\s+flaky-2 \(Succeeded/);
  });

  test('retry makes a new run of the same workflow and inputs where every step runs again; --from is refused', async () => {
    // flaky-1 failed in the resume test above; its marker now exists, so every step succeeds.
    const retried = await cli([
      'retry',
      'flaky-1',
      '--cluster',
      '-n',
      ns.name,
      '--run-id',
      'flaky-3',
      '-o',
      'json',
    ]).done;
    assert.equal(retried.code, 0, explain(retried));
    const result = JSON.parse(retried.stdout) as { phase: string; steps: Record<string, { phase: string }> };
    assert.equal(result.phase, 'Succeeded');
    assert.equal(result.steps.first?.phase, 'Succeeded');
    const [original, retry] = await Promise.all([
      waitForRun('flaky-1', () => true),
      waitForRun('flaky-3', (x) => x.status?.phase === 'Succeeded'),
    ]);
    assert.deepEqual(retry.spec.workflowRef, original.spec.workflowRef);
    assert.equal(retry.spec.resumeFrom, undefined, 'a retry carries nothing over');
    assert.equal(retry.status?.steps?.first?.reason, undefined, 'the first step ran again');

    const from = await cli(['retry', 'flaky-1', '--cluster', '-n', ns.name, '--from', 'flaky']).done;
    assert.equal(from.code, 2, explain(from));
    assert.match(from.stderr, /--from: starting at a step is for local runs/);
  });

  test('retry --set and --parameter-file override the parameters, checked as run checks them, with located errors', async () => {
    const dir = join(work, 'retry-overrides');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'greet.yaml'),
      'name: greet-retry\nparameters:\n  - name: who\n  - name: times\n    type: integer\n    default: 1\nsteps:\n  - name: say\n    command: echo {{ .who }} {{ .times }}\n    capture_output: said\n',
    );
    writeFileSync(join(dir, 'params.yaml'), '# from a file\nwho: cy\n');
    writeFileSync(join(dir, 'bad.yaml'), 'who: dee\ntimes: many\n');
    const retry = (args: string[]) => cli(['retry', 'greet-r1', '--cluster', '-n', ns.name, ...args]).done;
    const first = await cli([
      'run',
      join(dir, 'greet.yaml'),
      '--cluster',
      '-n',
      ns.name,
      '--set',
      'who=ana',
      '--run-id',
      'greet-r1',
    ]).done;
    assert.equal(first.code, 0, explain(first));

    const said = (r: CliResult) => (JSON.parse(r.stdout) as { outputs: Record<string, string> }).outputs.said;
    const set = await retry(['--set', 'who=bo', '--run-id', 'greet-r2', '-o', 'json']);
    assert.equal(set.code, 0, explain(set));
    assert.equal(said(set), 'bo 1');
    const file = await retry([
      '--parameter-file',
      join(dir, 'params.yaml'),
      '--set',
      'times=2',
      '--run-id',
      'greet-r3',
      '-o',
      'json',
    ]);
    assert.equal(file.code, 0, explain(file));
    assert.equal(said(file), 'cy 2');
    const r3 = await waitForRun('greet-r3', () => true);
    // Recorded as run --cluster records them: --set gives strings, the controller types them.
    assert.deepEqual((r3.spec as { parameters?: unknown }).parameters, { who: 'cy', times: '2' });

    // Refused before anything is created: a mistyped name, and a bad value located in its file.
    const typo = await retry(['--set', 'whoo=dee', '--run-id', 'greet-r4']);
    assert.equal(typo.code, 2, explain(typo));
    assert.match(typo.stderr, /parameters\.whoo: unknown parameter 'whoo' \(did you mean 'who'\?/);
    const bad = await retry(['--parameter-file', join(dir, 'bad.yaml'), '--run-id', 'greet-r4']);
    assert.equal(bad.code, 2, explain(bad));
    assert.match(
      bad.stderr,
      /bad\.yaml:2:1: parameters\.times: parameter 'times': expected an integer, got "many"/,
    );
    const missing = await retry(['--parameter-file', join(dir, 'nope.yaml')]);
    assert.equal(missing.code, 2, explain(missing));
    assert.match(missing.stderr, /--parameter-file \S*nope\.yaml: cannot read it \(ENOENT\)/);
    const r4 = await kubectl(['get', 'workflowruns.conveyor.dev', 'greet-r4', '--ignore-not-found'], target);
    assert.equal(r4.stdout, '', 'no run was created');

    const help = await cli(['retry', '--cluster', '--help']).done;
    assert.match(help.stdout, /--set KEY=VALUE/);
    assert.match(help.stdout, /--parameter-file FILE/);
  });

  test('get shows a WorkflowRun as it shows a local run: each step with phase, attempts and exit code; -o json|yaml; a mistyped name gets a did-you-mean', async () => {
    // flaky-1 failed in the resume test above, at its step flaky (test -f exits 1).
    const [text, json, yaml, typo] = await Promise.all([
      cli(['get', 'flaky-1', '--cluster', '-n', ns.name]).done,
      cli(['get', 'flaky-1', '--cluster', '-n', ns.name, '-o', 'json']).done,
      cli(['get', 'flaky-1', '--cluster', '-n', ns.name, '-o', 'yaml']).done,
      cli(['get', 'flaky-l', '--cluster', '-n', ns.name]).done,
    ]);
    assert.equal(text.code, 0, explain(text));
    assert.match(text.stdout, /^Run: +flaky-1\nWorkflow: +flaky-one\nPhase: +Failed/);
    assert.match(text.stdout, /STEP +PHASE +ATTEMPTS +DURATION +EXIT +REASON/);
    assert.match(text.stdout, /\nfirst +Succeeded +1 +\S+ +0/);
    assert.match(text.stdout, /\nflaky +Failed +1 +\S+ +1/);
    assert.equal(json.code, 0, explain(json));
    const doc = JSON.parse(json.stdout) as {
      run_id: string;
      steps: Record<string, { exit_code: number | null }>;
    };
    assert.equal(doc.run_id, 'flaky-1');
    assert.deepEqual(Object.fromEntries(Object.entries(doc.steps).map(([k, v]) => [k, v.exit_code])), {
      first: 0,
      flaky: 1,
    });
    assert.match(yaml.stdout, /^run_id: flaky-1\n/);
    assert.equal(typo.code, 2, explain(typo));
    assert.match(typo.stderr, /no WorkflowRun flaky-l .*\(did you mean 'flaky-1'\?\)/);
  });

  test("shell completion with --cluster offers the namespace's WorkflowRuns, their steps, parameters and workflows, not the local runs", async () => {
    // Runs from the tests above: flaky-1..3 (workflow flaky-one) and greet-r1..3 (greet-retry).
    // An empty state dir on the line: local candidates would be none.
    const empty = mkdtempSync(join(tmpdir(), 'conveyor-no-runs-'));
    const complete = async (words: string[]): Promise<string[]> => {
      const r = await cli(['__complete', ...words]).done;
      assert.equal(r.code, 0, explain(r));
      assert.equal(r.stderr, '');
      return r.stdout.split('\n').filter((l) => l !== '');
    };
    for (const command of ['get', 'approve', 'logs', 'retry'])
      assert.deepEqual(
        await complete([command, '--cluster', '-n', ns.name, '--state-dir', empty, 'flaky-']),
        ['flaky-3', 'flaky-2', 'flaky-1'],
        command,
      );
    assert.deepEqual(await complete(['get', `--namespace=${ns.name}`, '--state-dir', empty, 'greet-r']), [
      'greet-r3',
      'greet-r2',
      'greet-r1',
    ]);
    assert.deepEqual(
      (await complete(['logs', 'flaky-1', '--cluster', '-n', ns.name, '--state-dir', empty, ''])).sort(),
      ['first', 'flaky'],
    );
    assert.deepEqual(
      await complete(['retry', 'greet-r1', '--cluster', '-n', ns.name, '--state-dir', empty, '--set', '']),
      ['who=', 'times='],
    );
    assert.deepEqual(
      await complete(['history', '--cluster', '-n', ns.name, '--state-dir', empty, '--workflow', 'greet-']),
      ['greet-retry'],
    );
    // The namespace on the line counts: another one has none of these runs.
    assert.deepEqual(
      await complete(['get', '--cluster', '-n', 'default', '--state-dir', empty, 'flaky-']),
      [],
    );
  });

  test('terminate --cluster cancels a running WorkflowRun, as cancel does; stop --cluster says there is no graceful stop', async () => {
    const dir = join(work, 'terminate');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'long.yaml');
    writeFileSync(file, 'name: long-two\nsteps:\n  - name: long\n    command: sleep 120\n');
    const started = await cli(['run', file, '--cluster', '-n', ns.name, '--run-id', 'long-3', '--detach'])
      .done;
    assert.equal(started.code, 0, explain(started));
    await waitForRun('long-3', (x) => x.status?.steps?.long?.phase === 'Running');
    const stop = await cli(['stop', 'long-3', '--cluster', '-n', ns.name]).done;
    assert.equal(stop.code, 2, explain(stop));
    assert.match(stop.stderr, /the operator has no graceful stop/);
    const terminate = await cli(['terminate', 'long-3', '--cluster', '-n', ns.name]).done;
    assert.equal(terminate.code, 0, explain(terminate));
    assert.match(terminate.stdout, /Cancelling long-3/);
    const run = await waitForRun('long-3', (x) => x.status?.phase === 'Cancelled');
    assert.equal(run.status?.steps?.long?.phase, 'Cancelled');
  });

  test('cancel without a cluster says that it applies to cluster runs', async () => {
    const r = await cli(['cancel', 'whatever'], { env: { KUBECONFIG: '' } }).done;
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cancel applies to runs in a cluster/);
  });

  test('kubectl conveyor works through a kubectl-conveyor plugin on PATH, in cluster mode by default', async () => {
    const bin = join(work, 'plugins');
    mkdirSync(bin, { recursive: true });
    symlinkSync(CLI, join(bin, 'kubectl-conveyor'));
    const path = `${bin}:${dirname(process.execPath)}:${process.env.PATH ?? ''}`;
    const r = await cli(['conveyor', 'history', '-n', ns.name], { command: 'kubectl', env: { PATH: path } })
      .done;
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, /adv-cli-1\s+advanced-deployment\s+Succeeded/);
  });
  // Last: its runs would change what the history and list tests above expect.
  test('workflows created from the built-in templates run to Succeeded on the cluster', async () => {
    for (const template of ['rolling-deployment', 'blue-green-deployment', 'database-maintenance']) {
      const file = join(work, `${template}.yaml`);
      const created = await cli(['create', `from-${template}`, '--template', template, '--output', file])
        .done;
      assert.equal(created.code, 0, explain(created));
      const r = await cli([
        'run',
        file,
        '--cluster',
        '-n',
        ns.name,
        '--set',
        'environment=staging',
        '-o',
        'json',
      ]).done;
      assert.equal(r.code, 0, `${template}: ${explain(r)}`);
      assert.equal((JSON.parse(r.stdout) as { phase: string }).phase, 'Succeeded');
    }
  });
});

describe('choosing the backend', () => {
  test('--cluster, --context, --kubeconfig and --namespace select the cluster; -n only where it means nothing locally', () => {
    const local = { plugin: false };
    assert.equal(wantsCluster(['x.yaml'], local), false);
    for (const flag of ['--cluster', '--context=dev', '--kubeconfig', '--namespace=ns'])
      assert.equal(wantsCluster(['x.yaml', flag], local), true, flag);
    assert.equal(wantsCluster(['RUN', '-n', 'ns'], local), true);
    assert.equal(wantsCluster(['-n', '5'], { ...local, shortNamespace: false }), false);
    assert.equal(wantsCluster(['--', '--cluster'], local), false);
    assert.equal(wantsCluster([], { plugin: true }), true);
  });

  test('the kubectl plugin is recognised by the name kubectl runs it under', () => {
    assert.equal(invokedAsKubectlPlugin('/usr/local/bin/kubectl-conveyor'), true);
    assert.equal(invokedAsKubectlPlugin('/work/bin/conveyor.js'), false);
  });
});
